import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChildServer, type ChildServer } from './lib/child-server.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { CATALOG_ITEM_PATH } from './lib/platform/catalog-item.ts';
import { compareSideBySide, type Contender, type ContenderResult } from './lib/side-by-side.ts';
import { median, round } from './lib/stats.ts';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;
// Short runs, many rounds: on a shared machine throughput drifts within seconds, and a median of five
// alternating rounds resists one disturbed run better than a median of three longer ones.
const RUN_SECONDS = 3;
const ROUNDS = 5;

// What a service runs with in production when tracing is off: JSON logs at info, Prometheus metrics,
// problem handler, request ids; startTelemetry is called first but, with no exporter, installs nothing.
const UNTRACED_ENV = { NODE_ENV: 'production', LOG_LEVEL: 'info', OTEL_TRACES_EXPORTER: 'none' };

// The same with tracing on as a service gets it: every request sampled, spans batched and exported over
// OTLP (to a sink standing in for the collector). OTLP metrics and logs stay off, the platform's default.
function tracedEnv(collectorUrl: string): Record<string, string> {
  return {
    ...UNTRACED_ENV,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_TRACES_SAMPLER_ARG: '1',
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
  };
}

const server = (file: string) => new URL(`./lib/platform/${file}`, import.meta.url);

interface Layer {
  name: string;
  file: string;
  env?: Record<string, string>;
  /** The contender this one is compared with: the layer below it. */
  baseline: 'bare-http' | 'platform';
  figure: string;
}

// The breakdown peels one layer at a time, so each ratio tells what one layer costs.
function breakdown(collectorUrl: string): Layer[] {
  return [
    { name: 'fastify', file: 'fastify.server.ts', baseline: 'bare-http', figure: 'fastify_vs_bare_http_rps' },
    {
      name: 'platform-traced-unsampled',
      file: 'platform.server.ts',
      env: { ...tracedEnv(collectorUrl), OTEL_TRACES_SAMPLER_ARG: '0' },
      baseline: 'platform',
      figure: 'platform_traced_unsampled_vs_untraced_rps',
    },
    {
      name: 'platform-traced-with-otel-metrics',
      file: 'platform.server.ts',
      env: { ...tracedEnv(collectorUrl), OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp' },
      baseline: 'platform',
      figure: 'platform_traced_with_otel_metrics_vs_untraced_rps',
    },
  ];
}

// Another checkout (with its own node_modules) whose platform contender runs beside this one's, so a change
// to the kit is measured before and after in the same run instead of in two runs minutes apart.
function baselineContender(checkout: string): Contender {
  const entry = pathToFileURL(join(resolve(checkout), 'bench', 'lib', 'platform', 'platform.server.ts'));
  if (!existsSync(entry)) {
    throw new Error(
      `BENCH_PLATFORM_BASELINE=${checkout} has no bench/lib/platform/platform.server.ts: point it at a checkout ` +
        'of this repository (e.g. `git worktree add /tmp/baseline main && cd /tmp/baseline && npm ci`).',
    );
  }
  return { name: 'platform-baseline', entry, env: UNTRACED_ENV };
}

function contenders(
  withBreakdown: boolean,
  collectorUrl: string,
  profileDir: string | undefined,
  baseline: string | undefined,
): Contender[] {
  // A profile is written only on a clean exit, which can take the platform several seconds.
  const profiling = profileDir
    ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], stopGraceMs: 30_000 }
    : {};
  const main: Contender[] = [
    { name: 'bare-http', entry: server('bare-http.server.ts'), ...profiling },
    { name: 'platform', entry: server('platform.server.ts'), env: UNTRACED_ENV, ...profiling },
    {
      name: 'platform-traced',
      entry: server('platform.server.ts'),
      env: tracedEnv(collectorUrl),
      ...profiling,
    },
    // How a service runs in production: parent-based sampling keeping 10% of new traces.
    {
      name: 'platform-sampled',
      entry: server('platform.server.ts'),
      env: { ...tracedEnv(collectorUrl), OTEL_TRACES_SAMPLER_ARG: '0.1' },
      ...profiling,
    },
  ];
  if (baseline) main.push({ ...baselineContender(baseline), ...profiling });
  if (!withBreakdown) return main;
  return [
    ...main,
    ...breakdown(collectorUrl).map(({ name, file, env }) => ({
      name,
      entry: server(file),
      env,
      ...profiling,
    })),
  ];
}

// The ratio is only fair if both answer the same bytes: same status, body and headers (bar the date).
async function assertSameResponse(servers: readonly ChildServer[]): Promise<void> {
  const describe = async (s: ChildServer) => {
    const response = await fetch(s.url + CATALOG_ITEM_PATH);
    const headers = [...response.headers.keys()].filter((name) => name !== 'date').sort();
    const requestId = response.headers.get('x-request-id') ?? '';
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      headers: headers.join(', '),
      requestIdIsUuid: /^[0-9a-f-]{36}$/.test(requestId),
      body: await response.text(),
    };
  };
  const [reference, ...others] = await Promise.all(servers.map(describe));
  for (const [i, other] of others.entries()) {
    const fields = Object.keys(reference!) as (keyof typeof reference & string)[];
    const differing = fields.filter((field) => other[field] !== reference![field]);
    if (differing.length > 0) {
      throw new Error(
        `'${servers[i + 1]!.name}' does not answer ${CATALOG_ITEM_PATH} like '${servers[0]!.name}' (${differing
          .map((field) => `${field}: ${JSON.stringify(other[field])} vs ${JSON.stringify(reference![field])}`)
          .join('; ')}): make the bench servers answer the same bytes, or the ratio means nothing.`,
      );
    }
  }
}

function ratioFigure(
  name: string,
  contender: ContenderResult,
  baseline: ContenderResult,
  goal?: Figure['goal'],
): Figure {
  const key = (result: ContenderResult) =>
    result.name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  return {
    name,
    value: round(contender.medianRps / baseline.medianRps, 3),
    unit: 'ratio',
    ...(goal ? { goal } : {}),
    detail: {
      [`${key(contender)}MedianRps`]: contender.medianRps,
      [`${key(baseline)}MedianRps`]: baseline.medianRps,
      responsesPerCpuSecondRatio: round(
        contender.medianResponsesPerCpuSecond / baseline.medianResponsesPerCpuSecond,
        3,
      ),
      // Each round's pair ran seconds apart, so this ratio is the least touched by drift.
      sameRoundRpsRatioMedian: round(
        median(contender.runs.map((run, i) => run.rps / baseline.runs[i]!.rps)),
        3,
      ),
      [`${key(contender)}CpuMicrosPerResponse`]: round(1e6 / contender.medianResponsesPerCpuSecond, 1),
      [`${key(baseline)}CpuMicrosPerResponse`]: round(1e6 / baseline.medianResponsesPerCpuSecond, 1),
      [`${key(contender)}Runs`]: contender.runs,
      [`${key(baseline)}Runs`]: baseline.runs,
    },
  };
}

async function collectorStats(collector: ChildServer): Promise<{ exports: number; bytes: number }> {
  return (await (await fetch(`${collector.url}/stats`)).json()) as { exports: number; bytes: number };
}

/**
 * `platform_vs_bare_http_rps`: req/s of a route served by the platform kit as a service runs it with
 * tracing off, over req/s of a bare node:http server answering the same bytes.
 * `platform_traced_vs_untraced_rps`: req/s of the same service with every request traced and exported,
 * over req/s without tracing. BENCH_PLATFORM_BREAKDOWN=1 adds contenders that show what each layer
 * costs; BENCH_PLATFORM_BASELINE=<checkout> adds that checkout's platform contender, for a before/after
 * figure; BENCH_CPU_PROF=<dir> profiles every server.
 */
export default async function platformBench(ctx: BenchContext): Promise<Figure[]> {
  const withBreakdown = process.env['BENCH_PLATFORM_BREAKDOWN'] === '1';
  const baseline = process.env['BENCH_PLATFORM_BASELINE'] || undefined;

  ctx.progress('starting the OTLP sink that stands in for the collector');
  const collector = await startChildServer({ name: 'otlp-sink', entry: server('otlp-sink.server.ts') });
  try {
    const results = await compareSideBySide({
      contenders: contenders(withBreakdown, collector.url, process.env['BENCH_CPU_PROF'], baseline),
      path: CATALOG_ITEM_PATH,
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      runSeconds: RUN_SECONDS,
      rounds: ROUNDS,
      progress: ctx.progress,
      beforeLoad: assertSameResponse,
    });
    const byName = new Map(results.map((result) => [result.name, result]));
    const bare = byName.get('bare-http')!;
    const platform = byName.get('platform')!;
    const traced = byName.get('platform-traced')!;
    const exported = await collectorStats(collector);
    if (exported.bytes === 0) {
      throw new Error(
        'The traced contender exported no spans to the OTLP sink: check startTelemetry and OTEL_EXPORTER_OTLP_ENDPOINT, then run again.',
      );
    }

    const headline = ratioFigure('platform_vs_bare_http_rps', platform, bare, { op: '>=', value: 0.9 });
    headline.detail = {
      includes:
        'startTelemetry with OTEL_TRACES_EXPORTER=none (installs nothing), buildService (JSON logs at info, ' +
        'request ids, problem handler, health, metrics with per-route histogram, OpenAPI), runService',
      connections: CONNECTIONS,
      runSeconds: RUN_SECONDS,
      rounds: ROUNDS,
      ...headline.detail,
    };
    const tracing = ratioFigure('platform_traced_vs_untraced_rps', traced, platform);
    tracing.detail = {
      includes:
        'the platform contender plus startTelemetry with OTEL_TRACES_EXPORTER=otlp and sampler ratio 1: one ' +
        'server span per request from @fastify/otel, batched and exported as OTLP protobuf to a local sink',
      otlpExportRequests: exported.exports,
      otlpExportedMiB: round(exported.bytes / 2 ** 20, 1),
      ...tracing.detail,
    };
    const sampled = ratioFigure('tracing_sampled_vs_off_rps', byName.get('platform-sampled')!, platform, {
      op: '>=',
      value: 0.8,
    });
    sampled.detail = {
      includes:
        'the platform contender with tracing on as in production: parent-based sampling of 10% of new traces, ' +
        'the sampled ones exported as OTLP; the unsampled 90% still pay for the sampling decision and a non-recording span',
      ...sampled.detail,
    };
    const figures = [headline, tracing, sampled];
    if (baseline) {
      const vsBaseline = ratioFigure('platform_vs_baseline_rps', platform, byName.get('platform-baseline')!);
      vsBaseline.detail = { baseline: resolve(baseline), ...vsBaseline.detail };
      figures.push(vsBaseline);
    }
    if (withBreakdown) {
      for (const layer of breakdown(collector.url)) {
        figures.push(ratioFigure(layer.figure, byName.get(layer.name)!, byName.get(layer.baseline)!));
      }
    }
    return figures;
  } finally {
    await collector.stop();
  }
}
