import { Counter, Gauge, type Registry } from 'prom-client';

/** Per-cache tallies; plain numbers because they are bumped on every read, including L1 hits. */
export class CacheTally {
  l1Hits = 0;
  hits = 0;
  misses = 0;
  errors = 0;
  loads = 0;
  /** Read at scrape time: bytes this process holds for the cache. */
  localBytes: () => number = () => 0;
  readonly cache: string;

  constructor(cache: string) {
    this.cache = cache;
  }
}

const talliesByRegistry = new WeakMap<Registry, Set<CacheTally>>();

/**
 * Exposes `tally` on `registry` as `cache_requests_total{cache,result}`, `cache_loads_total{cache}`,
 * `cache_l1_hits_total{cache}` and `cache_local_bytes{cache}`, read at scrape time. Returns a function that stops exposing it.
 */
export function exposeCacheMetrics(registry: Registry, tally: CacheTally): () => void {
  let tallies = talliesByRegistry.get(registry);
  if (tallies === undefined) {
    tallies = new Set();
    talliesByRegistry.set(registry, tallies);
    registerCounters(registry, tallies);
  }
  tallies.add(tally);
  const registered = tallies;
  return () => registered.delete(tally);
}

function registerCounters(registry: Registry, tallies: Set<CacheTally>): void {
  // Several caches (or replicas in one test process) may share a registry: sum tallies by name.
  new Counter({
    name: 'cache_requests_total',
    help: 'Cache reads by outcome: hit (answered from L1 or Redis), miss (loaded), error (store unavailable, loaded).',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const tally of tallies) {
        this.inc({ cache: tally.cache, result: 'hit' }, tally.hits);
        this.inc({ cache: tally.cache, result: 'miss' }, tally.misses);
        this.inc({ cache: tally.cache, result: 'error' }, tally.errors);
      }
    },
  });
  new Counter({
    name: 'cache_loads_total',
    help: 'Loader calls (reads that reached the source of truth); far below misses when stampedes are absorbed.',
    labelNames: ['cache'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const tally of tallies) this.inc({ cache: tally.cache }, tally.loads);
    },
  });
  new Counter({
    name: 'cache_l1_hits_total',
    help: 'Hits answered by the in-process L1 without touching Redis (a subset of result="hit").',
    labelNames: ['cache'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const tally of tallies) this.inc({ cache: tally.cache }, tally.l1Hits);
    },
  });
  new Gauge({
    name: 'cache_local_bytes',
    help: 'Approximate bytes of cache entries held in this process (keys and JSON): the L1, or the in-process store.',
    labelNames: ['cache'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const tally of tallies) this.inc({ cache: tally.cache }, tally.localBytes());
    },
  });
}
