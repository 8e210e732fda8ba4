import { join } from 'node:path';
import { migrate } from '@shop/database';
import { createTestDatabase, getRedis, uniqueKeyPrefix } from '@shop/testing';
import autocannon from 'autocannon';
import pg from 'pg';
// The seed's mulberry32, so every run draws the same sequence of products.
import { random, seedCatalog } from '../apps/product/tools/seed.ts';
import { startChildServer, type ChildServer } from './lib/child-server.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { median, round } from './lib/stats.ts';

// The product read path against real PostgreSQL and Redis, with the seeded catalog of 10,000 products and
// a Zipf-like popularity (s = 1.0): the cache hit rate after warm-up, a cached read against a no-op route
// of the same service, and the cached service against the same service with its cache off.

const PRODUCTS = 10_000;
const ZIPF_S = 1.0;
const CONNECTIONS = 32;
// Requests, not seconds, so the hit rate does not depend on how fast the machine is. Still a cold start:
// with a 5-minute TTL, production traffic sees far more reads per key than this warm-up before expiry.
const WARMUP_REQUESTS = 80_000;
const MEASURED_REQUESTS = 40_000;
const WARMUP_SECONDS = 2;
const RUN_SECONDS = 2;
// Short runs in many alternating rounds: the median then shrugs off a burst of other work on the machine.
const ROUNDS = 5;
const NOOP_PATH = '/bench/noop';
const ROOT = join(import.meta.dirname, '..');

/** Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s, by binary search on the CDF. */
function zipfSampler(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cdf[k] = total += 1 / (k + 1) ** s;
  const next = random(seed);
  return () => {
    const target = next() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cdf[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

interface Load {
  rps: number;
  requests: number;
}

/** A closed-loop load whose path is drawn per request; refuses a run with any error or non-2xx answer. */
async function load(
  server: ChildServer,
  path: () => string,
  length: { seconds: number } | { requests: number },
): Promise<Load> {
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    ...('seconds' in length ? { duration: length.seconds } : { amount: length.requests }),
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path() }) }],
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) {
    throw new Error(
      `Load on '${server.name}' got ${result.errors} errors, ${result.timeouts} timeouts and ${result.non2xx} non-2xx answers: ` +
        'check the server output (run it by hand with the same env), then run the bench again.',
    );
  }
  return { rps: result['2xx'] / result.duration, requests: result['2xx'] };
}

async function productCounters(
  server: ChildServer,
): Promise<{ hit: number; miss: number; error: number; l1: number; loads: number }> {
  if (!server.opsUrl) {
    throw new Error(
      `${server.name} announced no operational listener: pass app.opsServer to announceListening().`,
    );
  }
  const text = await (await fetch(`${server.opsUrl}/metrics`)).text();
  const value = (metric: string, labels: string) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${metric}{`) && l.includes('cache="product"') && l.includes(labels));
    if (!line)
      throw new Error(
        `${server.name} exposes no ${metric}{cache="product"${labels ? `,${labels}` : ''}}: is its cache on?`,
      );
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return {
    hit: value('cache_requests_total', 'result="hit"'),
    miss: value('cache_requests_total', 'result="miss"'),
    error: value('cache_requests_total', 'result="error"'),
    l1: value('cache_l1_hits_total', ''),
    loads: value('cache_loads_total', ''),
  };
}

interface Runs {
  rps: number[];
  /** Responses per CPU second of the server process: barely moved by other work on the machine. */
  perCpuSecond: number[];
}

/** Loads each (name, server, path) once per round, alternating, and keeps req/s and responses per server CPU second. */
async function sideBySide(
  ctx: BenchContext,
  contenders: { name: string; server: ChildServer; path: () => string }[],
): Promise<Map<string, Runs>> {
  const runs = new Map(contenders.map((c) => [c.name, { rps: [], perCpuSecond: [] } as Runs]));
  for (let r = 1; r <= ROUNDS; r++) {
    for (const contender of contenders) {
      const cpuBefore = await contender.server.cpuSeconds();
      const { rps, requests } = await load(contender.server, contender.path, { seconds: RUN_SECONDS });
      const cpu = (await contender.server.cpuSeconds()) - cpuBefore;
      runs.get(contender.name)!.rps.push(round(rps));
      runs.get(contender.name)!.perCpuSecond.push(round(requests / cpu));
      ctx.progress(
        `round ${r}/${ROUNDS}: ${contender.name} ${round(rps).toLocaleString('en-US')} req/s, ${round(requests / cpu).toLocaleString('en-US')} per CPU second`,
      );
    }
  }
  return runs;
}

function withDetail(figure: Figure, detail: Record<string, unknown>): Figure {
  return { ...figure, detail: { ...figure.detail, ...detail } };
}

function ratioFigure(
  name: string,
  goal: number,
  runs: Map<string, Runs>,
  top: string,
  bottom: string,
): Figure {
  const [a, b] = [runs.get(top)!, runs.get(bottom)!];
  return {
    name,
    value: round(median(a.rps) / median(b.rps), 3),
    unit: 'ratio',
    goal: { op: '>=', value: goal },
    detail: {
      [`${top}MedianRps`]: median(a.rps),
      [`${bottom}MedianRps`]: median(b.rps),
      perServerCpuSecondRatio: round(median(a.perCpuSecond) / median(b.perCpuSecond), 3),
      [`${top}Runs`]: a.rps,
      [`${bottom}Runs`]: b.rps,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      runSeconds: RUN_SECONDS,
    },
  };
}

export default async function productCacheBench(ctx: BenchContext): Promise<Figure[]> {
  ctx.progress('starting PostgreSQL and Redis (or using DATABASE_URL / REDIS_URL)');
  const [db, redis] = await Promise.all([createTestDatabase('bench_product'), getRedis()]);
  const servers: ChildServer[] = [];
  try {
    await migrate({
      databaseUrl: db.url,
      migrationsDir: join(ROOT, 'apps', 'product', 'prisma', 'migrations'),
    });
    ctx.progress(`seeding ${PRODUCTS.toLocaleString('en-US')} products`);
    const seeded = await seedCatalog({ databaseUrl: db.url, count: PRODUCTS });
    ctx.progress(`seeded in ${seeded.seconds} s`);
    const ids = await productIdsByPopularity(db.url);

    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      PRODUCT_DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      CACHE_KEY_PREFIX: uniqueKeyPrefix('bench-product'),
    };
    const entry = new URL('./lib/product/product.server.ts', import.meta.url);
    ctx.progress('starting the product service with its cache (Redis + L1) and without');
    const started = await Promise.allSettled([
      startChildServer({ name: 'cached', entry, env }),
      startChildServer({ name: 'uncached', entry, env: { ...env, CACHE_ENABLED: 'false' } }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [cached, uncached] = servers as [ChildServer, ChildServer];

    const zipf = zipfSampler(ids.length, ZIPF_S, 42);
    const productPath = () => `/api/v1/products/${ids[zipf()]}`;

    const count = (n: number) => n.toLocaleString('en-US');
    ctx.progress(
      `hit rate: warming up with ${count(WARMUP_REQUESTS)} reads, then measuring ${count(MEASURED_REQUESTS)} (Zipf s=${ZIPF_S})`,
    );
    await load(cached, productPath, { requests: WARMUP_REQUESTS });
    const before = await productCounters(cached);
    const measured = await load(cached, productPath, { requests: MEASURED_REQUESTS });
    const after = await productCounters(cached);
    const reads = after.hit + after.miss + after.error - (before.hit + before.miss + before.error);
    const hitRate = (after.hit - before.hit) / reads;
    ctx.progress(`hit rate ${round(hitRate, 4)} over ${reads.toLocaleString('en-US')} reads`);

    // The ratios compare cached reads: every product is read once first, so no read below is a miss.
    ctx.progress(
      `reading each of the ${count(ids.length)} products once, so every read below is a cache hit`,
    );
    let next = 0;
    await load(cached, () => `/api/v1/products/${ids[next++ % ids.length]}`, { requests: ids.length });

    ctx.progress('cached GET /products/:id against the no-op route of the same service');
    await load(cached, () => NOOP_PATH, { seconds: WARMUP_SECONDS });
    const beforeRatios = await productCounters(cached);
    const vsNoop = await sideBySide(ctx, [
      { name: 'cachedGet', server: cached, path: productPath },
      { name: 'noopRoute', server: cached, path: () => NOOP_PATH },
    ]);

    const afterRatios = await productCounters(cached);

    ctx.progress('cached against uncached (CACHE_ENABLED=false), same Zipf reads');
    await load(uncached, productPath, { seconds: WARMUP_SECONDS });
    const vsUncached = await sideBySide(ctx, [
      { name: 'cached', server: cached, path: productPath },
      { name: 'uncached', server: uncached, path: productPath },
    ]);

    return [
      {
        name: 'product_cache_hit_rate',
        value: round(hitRate, 4),
        unit: 'ratio',
        goal: { op: '>=', value: 0.95 },
        detail: {
          reads,
          hits: after.hit - before.hit,
          misses: after.miss - before.miss,
          errors: after.error - before.error,
          l1Hits: after.l1 - before.l1,
          databaseLoads: after.loads - before.loads,
          warmupRequests: WARMUP_REQUESTS,
          rps: round(measured.rps),
          products: ids.length,
          zipfS: ZIPF_S,
        },
      },
      withDetail(ratioFigure('product_cached_get_vs_noop_route', 0.7, vsNoop, 'cachedGet', 'noopRoute'), {
        cachedGetHits: afterRatios.hit - beforeRatios.hit,
        cachedGetL1Hits: afterRatios.l1 - beforeRatios.l1,
        cachedGetMisses: afterRatios.miss - beforeRatios.miss + afterRatios.error - beforeRatios.error,
      }),
      ratioFigure('product_cache_speedup', 3, vsUncached, 'cached', 'uncached'),
    ];
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await db.drop().catch(() => undefined);
  }
}

/** Product ids in a fixed order that stands for popularity: rank 0 is the most requested. */
async function productIdsByPopularity(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Ordered by a hash of the SKU, so the popular products spread over every category.
    const { rows } = await client.query<{ id: string }>('SELECT id FROM products ORDER BY md5(sku)');
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}
