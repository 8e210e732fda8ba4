import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { silentLogger, type CacheLogger } from './cache-logger.ts';
import { CacheTally, exposeCacheMetrics } from './cache.metrics.ts';
import {
  entrySize,
  LEASE_BUSY,
  LEASE_GRANTED,
  NEGATIVE,
  type CacheStore,
  type InvalidationListener,
} from './cache-store.ts';
import { jitterTtl } from './ttl-jitter.ts';

/** Loads the value on a miss; `null` or `undefined` means "does not exist" and is cached negatively. */
export type Loader<T> = () => Promise<T | null | undefined>;

/** Per-read options of {@link Cache.getOrLoad}. All durations in milliseconds. */
export interface ReadOptions {
  /** Lifetime in the shared store (before jitter). Default: the cache's `defaultTtl`. */
  ttl?: number;
  /** Lifetime of a "does not exist" answer. Default: the cache's `negativeTtl`. */
  negativeTtl?: number;
  /** Puts the key under a namespace whose `bumpGeneration` drops every key in it at once (list pages). */
  namespace?: string;
}

/** Options of {@link Cache.open}. All durations in milliseconds. */
export interface CacheOptions {
  /** The `cache` label of the metrics, e.g. `product`. */
  name: string;
  store: CacheStore;
  /** Where the metrics are exposed. Default: a private registry (metrics not scraped). */
  registry?: Registry;
  logger?: CacheLogger;
  /** Default 300 000 (5 min). */
  defaultTtl?: number;
  /** Default 30 000. */
  negativeTtl?: number;
  /** Share of a TTL taken off at random so entries filled together expire apart. Default 0.1. */
  ttlJitter?: number;
  /**
   * In-process L1 in front of a shared store; kept coherent by the store's invalidation messages,
   * with `ttl` as the backstop for lost ones. Bounded in entries and in bytes (keys and JSON, see
   * `entrySize`): whichever fills first evicts the least recently used, and a value larger than
   * `maxBytes` is not kept. `false` turns it off. Default `{ maxEntries: 10 000, maxBytes: 32 MiB, ttl: 5 000 }`.
   */
  l1?: { maxEntries?: number; maxBytes?: number; ttl?: number } | false;
  /**
   * Cross-process load lease: one loader per key among all replicas while the lease holds (`ttl`);
   * the others re-read until the value lands or `maxWait` passes. Default `{ ttl: 2 000, maxWait: ttl }`.
   */
  lease?: { ttl?: number; maxWait?: number };
}

type Outcome = 'hit' | 'miss' | 'error';

/** One in-process load of a key; callers that arrive meanwhile await the same promise. */
class Flight {
  promise: Promise<unknown> = Promise.resolve();
  outcome: Outcome = 'miss';
  /** Reads answered by this flight; counted once when it settles, so joining costs no extra promise. */
  callers = 1;
}

type KnownGeneration = { value: number; expiresAt: number };

// Invalidations bump a striped counter so a fill that raced with one does not enter the L1.
const STRIPES = 1024;

function stripeOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash & (STRIPES - 1);
}

function namespacedKey(namespace: string, generation: number, key: string): string {
  return `${namespace}@${generation}:${key}`;
}

function unwrap(stored: unknown): unknown {
  return stored === NEGATIVE ? undefined : stored;
}

/** The L1 size of a value whose JSON is not at hand (read back from the store). */
function sizeOf(value: unknown, key: string): number {
  return entrySize(key, value === NEGATIVE ? '' : (JSON.stringify(value) ?? ''));
}

/** Serializes once for the store and hands every caller the same JSON shape in every mode. */
function normalize(loaded: unknown): { value: unknown; json: string } {
  if (loaded === NEGATIVE) return { value: NEGATIVE, json: '' };
  const json = JSON.stringify(loaded);
  if (json === undefined)
    throw new TypeError('Cached values must be JSON-serializable; the loader returned a function or symbol');
  return { value: JSON.parse(json), json };
}

/**
 * Cache-aside facade over a `CacheStore`: L1, single-flight per key, a cross-process load lease,
 * TTL jitter, negative caching, namespace generations, and fall-through to the loader whenever the
 * store is unavailable. Values handed out are shared with the cache: treat them as read-only.
 */
export class Cache {
  readonly #name: string;
  readonly #store: CacheStore;
  readonly #logger: CacheLogger;
  readonly #tally: CacheTally;
  readonly #unexpose: () => void;
  readonly #defaultTtl: number;
  readonly #negativeTtl: number;
  readonly #jitter: number;
  readonly #l1: LRUCache<string, NonNullable<unknown>> | undefined;
  readonly #l1Ttl: number;
  readonly #leaseTtl: number;
  readonly #leaseWait: number;
  readonly #flights = new Map<string, Flight>();
  readonly #epochs = new Uint32Array(STRIPES);
  readonly #generations = new Map<string, KnownGeneration>();
  readonly #generationReads = new Map<string, Promise<number>>();
  readonly #tokenPrefix = randomUUID();
  #tokenSeq = 0;
  #unsubscribe: () => void = () => {};

  private constructor(options: CacheOptions) {
    this.#name = options.name;
    this.#store = options.store;
    this.#logger = options.logger ?? silentLogger;
    this.#tally = new CacheTally(options.name);
    this.#tally.localBytes = () => this.localBytes();
    this.#unexpose = exposeCacheMetrics(options.registry ?? new Registry(), this.#tally);
    this.#defaultTtl = options.defaultTtl ?? 300_000;
    this.#negativeTtl = options.negativeTtl ?? 30_000;
    this.#jitter = options.ttlJitter ?? 0.1;
    if (!(this.#jitter >= 0 && this.#jitter < 1)) {
      throw new RangeError(
        `ttlJitter must be in [0, 1), got ${this.#jitter}: it is the share of a TTL taken off at random`,
      );
    }
    const l1 = options.l1 ?? {};
    this.#l1Ttl = l1 === false ? 5_000 : (l1.ttl ?? 5_000);
    this.#l1 =
      l1 === false
        ? undefined
        : new LRUCache({
            max: l1.maxEntries ?? 10_000,
            maxSize: l1.maxBytes ?? 32 * 1024 * 1024,
            sizeCalculation: sizeOf,
            ttl: this.#l1Ttl,
            ttlAutopurge: false,
          });
    this.#leaseTtl = options.lease?.ttl ?? 2_000;
    this.#leaseWait = options.lease?.maxWait ?? this.#leaseTtl;
  }

  /** Creates the cache and subscribes it to the store's invalidations (from every replica). */
  static async open(options: CacheOptions): Promise<Cache> {
    const cache = new Cache(options);
    const listener: InvalidationListener = {
      keyInvalidated: (key) => cache.#forget(key),
      generationChanged: (namespace, generation) => cache.#learnGeneration(namespace, generation),
      reset: () => cache.#forgetAll(),
    };
    cache.#unsubscribe = await options.store.subscribe(listener);
    return cache;
  }

  /**
   * Returns the cached value of `key`, or loads it with `loader` (once per key across callers and,
   * while the lease holds, across replicas) and caches it. Resolves to `undefined` when the loader
   * says the value does not exist. If the store fails or is slow, the loader answers instead.
   */
  getOrLoad<T>(key: string, loader: Loader<T>, options?: ReadOptions): Promise<T | undefined> {
    const namespace = options?.namespace;
    if (namespace === undefined) return this.#read(key, loader, options) as Promise<T | undefined>;
    const generation = this.#knownGeneration(namespace);
    if (generation !== undefined) {
      return this.#read(namespacedKey(namespace, generation, key), loader, options) as Promise<T | undefined>;
    }
    return this.#readInNamespace(namespace, key, loader, options) as Promise<T | undefined>;
  }

  /**
   * Drops `key` here, in the store and in every replica's L1; a load racing with it cannot store
   * its older value. Call it after the write has committed. Never throws: if the store is down the
   * invalidation is retried when it returns.
   */
  async invalidate(key: string): Promise<void> {
    this.#forget(key);
    try {
      await this.#store.invalidate(key);
    } catch (error) {
      this.#logger.warn(
        { err: error, cache: this.#name, key },
        'Cache invalidation not delivered yet; it is retried when the store is back',
      );
    }
    this.#forget(key);
  }

  /**
   * Moves `namespace` to a new generation, so every key read under it (list and search pages)
   * misses from now on, here and in every replica; old entries just expire. Never throws.
   */
  async bumpGeneration(namespace: string): Promise<void> {
    try {
      this.#learnGeneration(namespace, await this.#store.bumpGeneration(namespace));
    } catch (error) {
      // Without a trustworthy generation, reads in this namespace skip the cache until the store is back.
      this.#generations.delete(namespace);
      this.#logger.warn(
        { err: error, cache: this.#name, namespace },
        'Cache generation bump not delivered yet; it is retried when the store is back',
      );
    }
  }

  /** Counts since start: what the metrics expose, for tests and benches. */
  stats(): { hits: number; l1Hits: number; misses: number; errors: number; loads: number } {
    const { hits, l1Hits, misses, errors, loads } = this.#tally;
    return { hits, l1Hits, misses, errors, loads };
  }

  /**
   * Approximate bytes this process holds for the cache (see `entrySize`): its L1, or an in-process
   * store; 0 when the values live only in Redis.
   */
  localBytes(): number {
    return this.#l1 !== undefined ? this.#l1.calculatedSize : (this.#store.localBytes ?? 0);
  }

  /** Unsubscribes, stops exposing metrics and closes the store. */
  async close(): Promise<void> {
    this.#unsubscribe();
    this.#unexpose();
    this.#forgetAll();
    await this.#store.close();
  }

  #read(key: string, loader: Loader<unknown>, options: ReadOptions | undefined): Promise<unknown> {
    const local = this.#l1 !== undefined ? this.#l1.get(key) : this.#store.peek?.(key);
    if (local !== undefined) {
      this.#tally.hits++;
      if (this.#l1 !== undefined) this.#tally.l1Hits++;
      return Promise.resolve(local === NEGATIVE ? undefined : local);
    }
    let flight = this.#flights.get(key);
    if (flight !== undefined) {
      flight.callers++;
      return flight.promise;
    }
    flight = new Flight();
    this.#flights.set(key, flight);
    flight.promise = this.#fill(key, loader, options, flight);
    return flight.promise;
  }

  async #fill(
    key: string,
    loader: Loader<unknown>,
    options: ReadOptions | undefined,
    flight: Flight,
  ): Promise<unknown> {
    const stripe = stripeOf(key);
    const epoch = this.#epochs[stripe] ?? 0;
    try {
      if (!this.#store.available) {
        flight.outcome = 'error';
        return await this.#loadUncoordinated(key, loader, options, stripe, epoch);
      }
      // A store with `peek` was just asked synchronously; a remote one gets a plain GET first.
      if (this.#store.peek === undefined) {
        let stored: unknown;
        try {
          stored = await this.#store.get(key);
        } catch (error) {
          this.#storeFailed(error);
          flight.outcome = 'error';
          return await this.#loadUncoordinated(key, loader, options, stripe, epoch);
        }
        if (stored !== undefined) {
          flight.outcome = 'hit';
          this.#remember(key, stored, this.#ttlOf(stored, options), stripe, epoch);
          return unwrap(stored);
        }
      }
      flight.outcome = 'miss';
      return await this.#loadUnderLease(key, loader, options, stripe, epoch);
    } finally {
      this.#settle(key, flight);
    }
  }

  async #loadUnderLease(
    key: string,
    loader: Loader<unknown>,
    options: ReadOptions | undefined,
    stripe: number,
    epoch: number,
  ): Promise<unknown> {
    const token = `${this.#tokenPrefix}:${++this.#tokenSeq}`;
    const deadline = Date.now() + this.#leaseWait;
    let pause = 5;
    for (;;) {
      let answer: unknown;
      try {
        answer = await this.#store.getOrLease(key, token, this.#leaseTtl);
      } catch (error) {
        this.#storeFailed(error);
        return this.#loadUncoordinated(key, loader, options, stripe, epoch);
      }
      if (answer === LEASE_GRANTED) return this.#loadLeased(key, token, loader, options, stripe, epoch);
      if (answer !== LEASE_BUSY) {
        this.#remember(key, answer, this.#ttlOf(answer, options), stripe, epoch);
        return unwrap(answer);
      }
      // Another replica is loading: re-read shortly rather than hit the source of truth again.
      if (Date.now() >= deadline) return this.#loadUncoordinated(key, loader, options, stripe, epoch);
      await delay(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 50);
    }
  }

  async #loadLeased(
    key: string,
    token: string,
    loader: Loader<unknown>,
    options: ReadOptions | undefined,
    stripe: number,
    epoch: number,
  ): Promise<unknown> {
    let loaded: { value: unknown; json: string };
    try {
      loaded = normalize(await this.#load(loader));
    } catch (error) {
      // Free the lease before callers see the error, so a retry anywhere loads at once.
      await this.#store
        .releaseLease(key, token)
        .catch((releaseError: unknown) => this.#storeFailed(releaseError));
      throw error;
    }
    const ttl = this.#ttlOf(loaded.value, options);
    let stored = false;
    try {
      stored = await this.#store.fillLeased(
        key,
        token,
        loaded.value,
        loaded.json,
        jitterTtl(ttl, this.#jitter),
      );
    } catch (error) {
      this.#storeFailed(error);
    }
    // Not stored means an invalidation revoked the lease mid-load: hand the value out, cache nothing.
    if (stored) this.#remember(key, loaded.value, ttl, stripe, epoch, loaded.json);
    return unwrap(loaded.value);
  }

  /** The store is unavailable, failed, or the lease wait ran out: load without writing the shared store. */
  async #loadUncoordinated(
    key: string,
    loader: Loader<unknown>,
    options: ReadOptions | undefined,
    stripe: number,
    epoch: number,
  ): Promise<unknown> {
    const { value, json } = normalize(await this.#load(loader));
    this.#remember(key, value, this.#ttlOf(value, options), stripe, epoch, json);
    return unwrap(value);
  }

  async #load(loader: Loader<unknown>): Promise<unknown> {
    this.#tally.loads++;
    return (await loader()) ?? NEGATIVE;
  }

  async #readInNamespace(
    namespace: string,
    key: string,
    loader: Loader<unknown>,
    options: ReadOptions | undefined,
  ): Promise<unknown> {
    let generation: number | undefined;
    if (this.#store.available) {
      try {
        generation = await this.#readGeneration(namespace);
      } catch (error) {
        this.#storeFailed(error);
      }
    }
    if (generation !== undefined)
      return this.#read(namespacedKey(namespace, generation, key), loader, options);
    // Unknown generation: a cached page might belong to an older one, so load without caching.
    const flightKey = `${namespace}@?:${key}`;
    let flight = this.#flights.get(flightKey);
    if (flight !== undefined) {
      flight.callers++;
      return flight.promise;
    }
    flight = new Flight();
    flight.outcome = 'error';
    this.#flights.set(flightKey, flight);
    flight.promise = this.#loadDetached(flightKey, loader, flight);
    return flight.promise;
  }

  async #loadDetached(flightKey: string, loader: Loader<unknown>, flight: Flight): Promise<unknown> {
    try {
      return unwrap(normalize(await this.#load(loader)).value);
    } finally {
      this.#settle(flightKey, flight);
    }
  }

  #settle(key: string, flight: Flight): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
    if (flight.outcome === 'hit') this.#tally.hits += flight.callers;
    else if (flight.outcome === 'miss') this.#tally.misses += flight.callers;
    else this.#tally.errors += flight.callers;
  }

  #readGeneration(namespace: string): Promise<number> {
    let read = this.#generationReads.get(namespace);
    if (read === undefined) {
      read = this.#store.generation(namespace).then(
        (generation) => {
          this.#generationReads.delete(namespace);
          this.#learnGeneration(namespace, generation);
          return generation;
        },
        (error: unknown) => {
          this.#generationReads.delete(namespace);
          throw error;
        },
      );
      this.#generationReads.set(namespace, read);
    }
    return read;
  }

  #knownGeneration(namespace: string): number | undefined {
    const known = this.#generations.get(namespace);
    if (known === undefined) return undefined;
    if (known.expiresAt > Date.now()) return known.value;
    this.#generations.delete(namespace);
    return undefined;
  }

  #learnGeneration(namespace: string, generation: number): void {
    const known = this.#generations.get(namespace);
    if (known !== undefined && known.value > generation) return;
    this.#generations.set(namespace, { value: generation, expiresAt: Date.now() + this.#l1Ttl });
  }

  #ttlOf(stored: unknown, options: ReadOptions | undefined): number {
    return stored === NEGATIVE
      ? (options?.negativeTtl ?? this.#negativeTtl)
      : (options?.ttl ?? this.#defaultTtl);
  }

  /** `json` is the value's serialization when at hand, which spares serializing it again to size it. */
  #remember(key: string, stored: unknown, ttl: number, stripe: number, epoch: number, json?: string): void {
    const l1Ttl = Math.min(this.#l1Ttl, ttl);
    // lru-cache reads a TTL of 0 as "forever", so a non-positive one must not reach it.
    if (this.#l1 === undefined || l1Ttl < 1 || this.#epochs[stripe] !== epoch) return;
    // Deaf to writes elsewhere while the store still answers: let the store serve. When the store is
    // down too, the L1 shields the database instead, stale for at most its TTL.
    if (this.#store.invalidationsLive === false && this.#store.available) return;
    const size = json === undefined ? undefined : entrySize(key, json);
    this.#l1.set(
      key,
      stored as NonNullable<unknown>,
      size === undefined ? { ttl: l1Ttl } : { ttl: l1Ttl, size },
    );
  }

  #forget(key: string): void {
    this.#l1?.delete(key);
    const stripe = stripeOf(key);
    this.#epochs[stripe] = (this.#epochs[stripe] ?? 0) + 1;
    // Later readers start a fresh load instead of joining one that began before the invalidation.
    this.#flights.delete(key);
  }

  #forgetAll(): void {
    this.#l1?.clear();
    this.#generations.clear();
    for (let i = 0; i < STRIPES; i++) this.#epochs[i] = (this.#epochs[i] ?? 0) + 1;
    this.#flights.clear();
  }

  #storeFailed(error: unknown): void {
    this.#logger.warn(
      { err: error, cache: this.#name },
      'Cache store call failed; answering from the loader',
    );
  }
}
