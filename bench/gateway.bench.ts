import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { migrate } from '@shop/database';
import { createTestDatabase, getRedis, uniqueKeyPrefix } from '@shop/testing';
import pg from 'pg';
import { seedCatalog } from '../apps/product/tools/seed.ts';
import { startChildServer, type ChildServer } from './lib/child-server.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { median, round } from './lib/stats.ts';

// A cached product read (GET /api/v1/products/:id, served from the product service's cache) three ways,
// loaded in alternation in one run: straight at the product service, through the gateway (routing, edge
// checks, rate limits counted in Redis, the breaker, reply-from on a keep-alive pool), and through nginx
// proxying the same service with a keep-alive upstream. Both proxies and the service share the 2 cores
// with the load generator, so "through" pays for two processes where "direct" pays for one. A fourth
// contender is the gateway again with tracing on as in production (10% of new traces sampled, exported as
// OTLP to a local sink), for the gateway half of tracing_sampled_vs_off_rps.

const PRODUCTS = 200;
const CONNECTIONS = 32;
const WARMUP_SECONDS = 2;
const RUN_SECONDS = 3;
const ROUNDS = 5;
const ROOT = join(import.meta.dirname, '..');

interface Runs {
  loads: LoadResult[];
  proxyCpuCores: number[];
}

function nginxAvailable(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;
}

async function someProductId(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM products WHERE active AND deleted_at IS NULL ORDER BY sku LIMIT 1',
    );
    if (!rows[0])
      throw new Error('The seeded catalog is empty: check seedCatalog, then run the bench again.');
    return rows[0].id;
  } finally {
    await client.end();
  }
}

export default async function gatewayBench(ctx: BenchContext): Promise<Figure[]> {
  ctx.progress('starting PostgreSQL and Redis (or using DATABASE_URL / REDIS_URL)');
  const [db, redis] = await Promise.all([createTestDatabase('bench_gateway'), getRedis()]);
  const servers: ChildServer[] = [];
  try {
    await migrate({
      databaseUrl: db.url,
      migrationsDir: join(ROOT, 'apps', 'product', 'prisma', 'migrations'),
    });
    await seedCatalog({ databaseUrl: db.url, count: PRODUCTS });
    const path = `/api/v1/products/${await someProductId(db.url)}`;
    const quiet = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    };

    ctx.progress('starting the product service (cache on Redis + L1)');
    const product = await startChildServer({
      name: 'product',
      entry: new URL('./lib/product/product.server.ts', import.meta.url),
      env: {
        ...quiet,
        PRODUCT_DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        CACHE_KEY_PREFIX: uniqueKeyPrefix('bench-gateway-product'),
      },
    });
    servers.push(product);
    ctx.progress('starting the gateway in front of it');
    const gatewayEnv = {
      ...quiet,
      PRODUCT_SERVICE_URL: product.url,
      REDIS_URL: redis.url,
      RATE_LIMIT_KEY_PREFIX: uniqueKeyPrefix('bench-gateway'),
      // Counted as in production, but high enough that one client address is never refused here.
      RATE_LIMIT_PER_IP: '1000000',
      // The bench's own load lags the loop; shedding would turn the measurement into 503s.
      LOAD_SHED_EVENT_LOOP_DELAY_MS: '0',
    };
    // BENCH_CPU_PROF=<dir>: a .cpuprofile of the untraced gateway (written on its clean exit).
    const profileDir = process.env['BENCH_CPU_PROF'];
    const gateway = await startChildServer({
      name: 'gateway',
      entry: new URL('./lib/gateway/gateway.server.ts', import.meta.url),
      env: gatewayEnv,
      ...(profileDir
        ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], stopGraceMs: 30_000 }
        : {}),
    });
    servers.push(gateway);
    ctx.progress('starting an OTLP sink and a second gateway tracing 10% of new traces into it');
    const collector = await startChildServer({
      name: 'otlp-sink',
      entry: new URL('./lib/platform/otlp-sink.server.ts', import.meta.url),
    });
    servers.push(collector);
    const sampledGateway = await startChildServer({
      name: 'gateway-sampled',
      entry: new URL('./lib/gateway/gateway.server.ts', import.meta.url),
      env: {
        ...gatewayEnv,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      },
    });
    servers.push(sampledGateway);
    const contenders: { name: string; server: ChildServer; cpuOf: ChildServer }[] = [
      { name: 'direct', server: product, cpuOf: product },
      { name: 'gateway', server: gateway, cpuOf: gateway },
      { name: 'gatewaySampled', server: sampledGateway, cpuOf: sampledGateway },
    ];
    const withNginx = nginxAvailable();
    if (withNginx) {
      ctx.progress('starting nginx in front of it (one worker, keep-alive upstream)');
      const nginx = await startChildServer({
        name: 'nginx',
        entry: new URL('./lib/gateway/nginx.server.ts', import.meta.url),
        env: { NGINX_UPSTREAM: new URL(product.url).host },
      });
      servers.push(nginx);
      contenders.push({ name: 'nginx', server: nginx, cpuOf: nginx });
    } else {
      ctx.progress(
        'nginx is not installed, so gateway_vs_nginx_rps is skipped: install it with `apt-get install nginx` ' +
          '(Debian/Ubuntu) and run `npm run bench -- gateway` again',
      );
    }

    for (const { name, server } of contenders) {
      ctx.progress(`warming up '${name}' for ${WARMUP_SECONDS} s`);
      await runLoad({ url: server.url + path, connections: CONNECTIONS, durationSeconds: WARMUP_SECONDS });
    }
    const runs = new Map<string, Runs>(contenders.map((c) => [c.name, { loads: [], proxyCpuCores: [] }]));
    for (let r = 1; r <= ROUNDS; r++) {
      for (const { name, server, cpuOf } of contenders) {
        const cpuBefore = await cpuOf.cpuSeconds();
        const load = await runLoad({
          url: server.url + path,
          connections: CONNECTIONS,
          durationSeconds: RUN_SECONDS,
        });
        const cores = ((await cpuOf.cpuSeconds()) - cpuBefore) / load.durationSeconds;
        runs.get(name)!.loads.push(load);
        runs.get(name)!.proxyCpuCores.push(round(cores, 2));
        ctx.progress(
          `round ${r}/${ROUNDS}: ${name} ${round(load.rps).toLocaleString('en-US')} req/s, ` +
            `p50 ${load.latencyP50Ms} ms, p99 ${load.latencyP99Ms} ms`,
        );
      }
    }

    const stat = (name: string, of: (load: LoadResult) => number) => median(runs.get(name)!.loads.map(of));
    const summary = (name: string) => ({
      [`${name}MedianRps`]: round(stat(name, (l) => l.rps)),
      [`${name}P50Ms`]: stat(name, (l) => l.latencyP50Ms),
      [`${name}P99Ms`]: stat(name, (l) => l.latencyP99Ms),
      [`${name}CpuCores`]: median(runs.get(name)!.proxyCpuCores),
    });
    const common = { path, connections: CONNECTIONS, rounds: ROUNDS, runSeconds: RUN_SECONDS };
    const figures: Figure[] = [
      {
        name: 'gateway_vs_direct_rps',
        value: round(stat('gateway', (l) => l.rps) / stat('direct', (l) => l.rps), 3),
        unit: 'ratio',
        goal: { op: '>=', value: 0.5 },
        detail: {
          ...summary('gateway'),
          ...summary('direct'),
          addedP50Ms: round(
            stat('gateway', (l) => l.latencyP50Ms) - stat('direct', (l) => l.latencyP50Ms),
            2,
          ),
          addedP99Ms: round(
            stat('gateway', (l) => l.latencyP99Ms) - stat('direct', (l) => l.latencyP99Ms),
            2,
          ),
          ...common,
          ...(withNginx ? {} : { nginx: 'not installed: apt-get install nginx' }),
        },
      },
    ];
    figures.push({
      name: 'gateway_tracing_sampled_vs_off_rps',
      value: round(stat('gatewaySampled', (l) => l.rps) / stat('gateway', (l) => l.rps), 3),
      unit: 'ratio',
      goal: { op: '>=', value: 0.8 },
      detail: {
        includes:
          'the gateway with 10% of new traces sampled and exported as OTLP, over the gateway untraced',
        ...summary('gatewaySampled'),
        ...summary('gateway'),
        ...common,
      },
    });
    if (withNginx) {
      figures.push({
        name: 'gateway_vs_nginx_rps',
        value: round(stat('gateway', (l) => l.rps) / stat('nginx', (l) => l.rps), 3),
        unit: 'ratio',
        goal: { op: '>=', value: 0.6 },
        detail: { ...summary('gateway'), ...summary('nginx'), ...common },
      });
    }
    return figures;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await db.drop();
  }
}
