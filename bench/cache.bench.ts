import { createCache, type Cache } from '@shop/cache';
import { getRedis, startRedisServer, uniqueKeyPrefix } from '@shop/testing';
import { Redis } from 'ioredis';
import type { BenchContext, Figure } from './lib/figure.ts';
import { median, round } from './lib/stats.ts';

// The cache library alone, without HTTP: what an L1 hit, an in-memory hit and a Redis hit cost next to
// the bare operation they wrap, how many loads a stampede after an invalidation causes across two
// replicas, and what a read costs while Redis is down and the breaker is open.

const ROUNDS = 5;
const HIT_OPS = 200_000;
const REDIS_OPS = 50_000;
const REDIS_CONCURRENCY = 64;
const KEYS = 1_000;
const product = (i: number) => ({
  id: `p-${i}`,
  name: `Product ${i}`,
  priceMinor: 1_999,
  currency: 'EUR',
  inStock: true,
});
const keys = Array.from({ length: KEYS }, (_, i) => `product:p-${i}`);

// CPU time rather than wall time: this process's cost per operation, which is what a hit costs the
// service, and far less sensitive than wall time to whatever else runs on a 2-core machine.
function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1_000;
}

/** CPU nanoseconds per call of `op`, with `concurrency` callers each running it in a loop until `ops` are done. */
async function cpuNsPerOp(
  ops: number,
  op: (i: number) => Promise<unknown>,
  concurrency = 1,
): Promise<number> {
  let next = 0;
  const started = cpuNs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ops) await op(next++);
    }),
  );
  return (cpuNs() - started) / ops;
}

/** Runs every contender once per round, alternating, and returns the median of each. */
async function sideBySide(
  ctx: BenchContext,
  label: string,
  contenders: Record<string, () => Promise<number>>,
): Promise<Record<string, number>> {
  const runs: Record<string, number[]> = Object.fromEntries(
    Object.keys(contenders).map((name) => [name, []]),
  );
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [name, run] of Object.entries(contenders)) runs[name]!.push(await run());
    ctx.progress(
      `${label}: round ${r}/${ROUNDS} ${Object.entries(runs)
        .map(([name, values]) => `${name} ${round(values.at(-1)!)}`)
        .join(', ')}`,
    );
  }
  return Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, median(values)]));
}

async function warm(cache: Cache): Promise<void> {
  for (let i = 0; i < KEYS; i++) await cache.getOrLoad(keys[i]!, async () => product(i));
}

export default async function cacheBench(ctx: BenchContext): Promise<Figure[]> {
  ctx.progress('starting Redis (or using REDIS_URL)');
  const { url } = await getRedis();
  const keyPrefix = uniqueKeyPrefix('bench-cache');
  const withL1 = await createCache({ name: 'bench', redis: { url }, keyPrefix });
  // A generous timeout: on a busy machine a 100 ms timeout would open the breaker and measure the loader.
  const redisOnly = await createCache({
    name: 'bench',
    redis: { url },
    keyPrefix,
    l1: false,
    redisClient: { commandTimeoutMs: 5_000 },
  });
  const memory = await createCache({ name: 'bench' });
  // Same pipelining and command timeout as the cache's own client, so the comparison is about the facade only.
  const raw = new Redis(url, { enableAutoPipelining: true, commandTimeout: 5_000 });
  try {
    await Promise.all([warm(withL1), warm(memory)]);
    const values = new Map(keys.map((key, i) => [key, product(i)]));
    const noLoad = async (): Promise<null> => null;

    const l1Before = withL1.stats();
    const hits = await sideBySide(ctx, 'hit CPU ns/op', {
      bareMapLookup: () => cpuNsPerOp(HIT_OPS, async (i) => values.get(keys[i % KEYS]!)),
      l1Hit: () => cpuNsPerOp(HIT_OPS, (i) => withL1.getOrLoad(keys[i % KEYS]!, noLoad)),
      memoryHit: () => cpuNsPerOp(HIT_OPS, (i) => memory.getOrLoad(keys[i % KEYS]!, noLoad)),
    });

    const l1After = withL1.stats();
    const redis = await sideBySide(ctx, `Redis hit CPU ns/op at ${REDIS_CONCURRENCY} in flight`, {
      rawGetAndParse: () =>
        cpuNsPerOp(
          REDIS_OPS,
          async (i) => JSON.parse((await raw.get(`${keyPrefix}v:{${keys[i % KEYS]}}`))!),
          REDIS_CONCURRENCY,
        ),
      cacheRedisHit: () =>
        cpuNsPerOp(REDIS_OPS, (i) => redisOnly.getOrLoad(keys[i % KEYS]!, noLoad), REDIS_CONCURRENCY),
    });

    const { errors, misses } = redisOnly.stats();
    if (errors + misses > 0) {
      throw new Error(
        `The Redis-hit runs had ${errors} errors and ${misses} misses, so they did not measure hits: check that Redis is healthy and the machine not overloaded, then run again.`,
      );
    }

    ctx.progress('stampede: a hot key invalidated under 2 replicas x 200 concurrent readers');
    const replicaA = await createCache({ name: 'bench-a', redis: { url }, keyPrefix });
    const replicaB = await createCache({ name: 'bench-b', redis: { url }, keyPrefix });
    let stampedeLoads = 0;
    const slowLoad = async () => {
      stampedeLoads++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return product(0);
    };
    await replicaA.getOrLoad('product:hot', slowLoad);
    await Promise.all([
      replicaA.getOrLoad('product:hot', slowLoad),
      replicaB.getOrLoad('product:hot', slowLoad),
    ]);
    stampedeLoads = 0;
    await replicaA.invalidate('product:hot');
    await Promise.all(
      [replicaA, replicaB].flatMap((replica) =>
        Array.from({ length: 200 }, () => replica.getOrLoad('product:hot', slowLoad)),
      ),
    );
    await Promise.all([replicaA.close(), replicaB.close()]);

    ctx.progress(
      'outage: reads with Redis stopped and the breaker open, against calling the loader directly',
    );
    const outage = await measureOutage(ctx);

    const l1Overhead = hits.l1Hit! - hits.bareMapLookup!;
    return [
      {
        name: 'cache_l1_hit_overhead_ns',
        value: round(l1Overhead),
        unit: 'cpu ns/op',
        goal: { op: '<=', value: 500 },
        detail: {
          l1HitNs: round(hits.l1Hit!),
          bareAsyncMapLookupNs: round(hits.bareMapLookup!),
          // Share of the L1 runs' reads the L1 answered; below 1 means some "L1 hits" went to Redis.
          l1HitShare: round(
            (l1After.l1Hits - l1Before.l1Hits) /
              Math.max(1, l1After.hits - l1Before.hits + l1After.misses - l1Before.misses),
            3,
          ),
          ops: HIT_OPS,
          rounds: ROUNDS,
        },
      },
      {
        name: 'cache_memory_hit_overhead_ns',
        value: round(hits.memoryHit! - hits.bareMapLookup!),
        unit: 'cpu ns/op',
        goal: { op: '<=', value: 500 },
        detail: { memoryHitNs: round(hits.memoryHit!), bareAsyncMapLookupNs: round(hits.bareMapLookup!) },
      },
      {
        name: 'cache_redis_hit_cpu_vs_raw_get',
        value: round(redis.cacheRedisHit! / redis.rawGetAndParse!, 3),
        unit: 'ratio',
        goal: { op: '<=', value: 1.5 },
        detail: {
          cacheRedisHitCpuNs: round(redis.cacheRedisHit!),
          rawGetAndParseCpuNs: round(redis.rawGetAndParse!),
          concurrency: REDIS_CONCURRENCY,
        },
      },
      {
        name: 'cache_stampede_loads',
        value: stampedeLoads,
        unit: 'loads',
        goal: { op: '<=', value: 1 },
        detail: { replicas: 2, concurrentReadersPerReplica: 200, loaderMs: 50 },
      },
      {
        name: 'cache_breaker_open_overhead_ns',
        value: round(outage.cacheNs - outage.loaderNs),
        unit: 'cpu ns/op',
        // A fail-fast Redis call costs tens of microseconds; this shows the open breaker skips Redis entirely.
        goal: { op: '<=', value: 5_000 },
        detail: {
          readNsWithRedisDown: round(outage.cacheNs),
          loaderAloneNs: round(outage.loaderNs),
          storeFailuresBeforeOpen: 5,
        },
      },
    ];
  } finally {
    raw.disconnect();
    await Promise.all([withL1.close(), redisOnly.close(), memory.close()]);
  }
}

async function measureOutage(ctx: BenchContext): Promise<{ cacheNs: number; loaderNs: number }> {
  const server = await startRedisServer();
  // No L1: every read goes to the store path, which the open breaker must short-circuit.
  const cache = await createCache({
    name: 'bench-outage',
    redis: { url: server.url },
    l1: false,
    breaker: { halfOpenAfterMs: 60_000 },
  });
  try {
    await server.stop();
    const load = async (): Promise<{ id: string }> => ({ id: 'p' });
    for (let i = 0; i < 10; i++) await cache.getOrLoad(`product:${i}`, load);
    const ops = 50_000;
    const result = await sideBySide(ctx, 'outage CPU ns/op', {
      loaderAlone: () => cpuNsPerOp(ops, () => load()),
      cacheWithRedisDown: () => cpuNsPerOp(ops, (i) => cache.getOrLoad(keys[i % KEYS]!, load)),
    });
    return { cacheNs: result.cacheWithRedisDown!, loaderNs: result.loaderAlone! };
  } finally {
    await cache.close();
    await server.dispose();
  }
}
