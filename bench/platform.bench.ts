import type { ChildServer } from './lib/child-server.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { CATALOG_ITEM_PATH } from './lib/platform/catalog-item.ts';
import { compareSideBySide, type Contender, type ContenderResult } from './lib/side-by-side.ts';
import { round } from './lib/stats.ts';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;
const RUN_SECONDS = 5;
const ROUNDS = 3;

// What a service gets in production, minus a collector: telemetry started first with the SDK's defaults
// (http and Fastify instrumented, every request sampled, OTel metrics on), JSON logs at info, Prometheus
// metrics, problem handler, request ids. Spans are dropped instead of exported.
const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_TRACES_SAMPLER_ARG: '1',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_LOGS_EXPORTER: 'otlp',
};

const server = (file: string) => new URL(`./lib/platform/${file}`, import.meta.url);

// The breakdown peels one layer at a time, so neighbouring ratios tell what each layer costs.
const BREAKDOWN: readonly { name: string; file: string; env?: Record<string, string> }[] = [
  { name: 'fastify', file: 'fastify.server.ts' },
  {
    name: 'platform-without-telemetry',
    file: 'platform.server.ts',
    env: { ...PRODUCTION_ENV, BENCH_TELEMETRY: 'off' },
  },
  {
    name: 'platform-unsampled',
    file: 'platform.server.ts',
    env: { ...PRODUCTION_ENV, OTEL_TRACES_SAMPLER_ARG: '0' },
  },
  {
    name: 'platform-without-otel-metrics',
    file: 'platform.server.ts',
    env: { ...PRODUCTION_ENV, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  },
];

function contenders(breakdown: boolean, profileDir: string | undefined): Contender[] {
  // A profile is written only on a clean exit, which can take the platform several seconds.
  const profiling = profileDir
    ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], stopGraceMs: 30_000 }
    : {};
  const bare: Contender = { name: 'bare-http', entry: server('bare-http.server.ts'), ...profiling };
  const platform: Contender = {
    name: 'platform',
    entry: server('platform.server.ts'),
    env: PRODUCTION_ENV,
    ...profiling,
  };
  if (!breakdown) return [bare, platform];
  return [
    bare,
    ...BREAKDOWN.map(({ name, file, env }) => ({ name, entry: server(file), env, ...profiling })),
    platform,
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
  bare: ContenderResult,
  goal?: Figure['goal'],
): Figure {
  return {
    name,
    value: round(contender.medianRps / bare.medianRps, 3),
    unit: 'ratio',
    ...(goal ? { goal } : {}),
    detail: {
      [`${contender.name}MedianRps`]: contender.medianRps,
      bareHttpMedianRps: bare.medianRps,
      responsesPerCpuSecondRatio: round(
        contender.medianResponsesPerCpuSecond / bare.medianResponsesPerCpuSecond,
        3,
      ),
      [`${contender.name}Runs`]: contender.runs,
      bareHttpRuns: bare.runs,
    },
  };
}

/**
 * `platform_vs_bare_http_rps`: req/s of a route served by the platform kit as configured in production,
 * over req/s of a bare node:http server answering the same bytes. BENCH_PLATFORM_BREAKDOWN=1 adds
 * contenders that show what each layer costs; BENCH_CPU_PROF=<dir> profiles every server.
 */
export default async function platformBench(ctx: BenchContext): Promise<Figure[]> {
  const breakdown = process.env['BENCH_PLATFORM_BREAKDOWN'] === '1';

  const results = await compareSideBySide({
    contenders: contenders(breakdown, process.env['BENCH_CPU_PROF']),
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

  const headline = ratioFigure('platform_vs_bare_http_rps', platform, bare, { op: '>=', value: 0.85 });
  headline.detail = {
    includes:
      'startTelemetry with SDK defaults (http + Fastify instrumentation, sampler ratio 1, OTel metrics and logs ' +
      'pipelines on, OTEL_TRACES_EXPORTER=none), buildService ' +
      '(JSON logs at info, request ids, problem handler, health, metrics with per-route histogram, OpenAPI), runService',
    connections: CONNECTIONS,
    runSeconds: RUN_SECONDS,
    rounds: ROUNDS,
    ...headline.detail,
  };
  const figures = [headline];
  if (breakdown) {
    for (const { name } of BREAKDOWN) {
      figures.push(ratioFigure(`${name.replaceAll('-', '_')}_vs_bare_http_rps`, byName.get(name)!, bare));
    }
  }
  return figures;
}
