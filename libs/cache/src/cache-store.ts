/** A cached "this id does not exist" answer (negative caching). */
export const NEGATIVE: unique symbol = Symbol('cache.negative');

/** `getOrLease` result: the caller now holds the lease and should load and `fillLeased`. */
export const LEASE_GRANTED: unique symbol = Symbol('cache.lease-granted');

/** `getOrLease` result: another caller (maybe another process) is loading this key right now. */
export const LEASE_BUSY: unique symbol = Symbol('cache.lease-busy');

/** Thrown by a store that knows its backend is unreachable, without trying it. */
export class CacheUnavailableError extends Error {
  constructor(
    message = 'The cache store is unavailable; reads fall through to the loader until it recovers',
  ) {
    super(message);
    this.name = 'CacheUnavailableError';
  }
}

/** Receives invalidations published by any cache instance sharing the store (replicas included). */
export interface InvalidationListener {
  keyInvalidated(key: string): void;
  generationChanged(namespace: string, generation: number): void;
  /** Messages may have been lost (reconnect, outage): forget everything derived from them. */
  reset(): void;
}

/**
 * Storage behind the cache-aside facade. Values are plain JSON-compatible data or `NEGATIVE`;
 * encoding is the store's business. Every method may reject when the backend fails; the facade
 * then falls back to the loader.
 */
export interface CacheStore {
  /** False while the store knows calls would fail (breaker open), so callers skip it for free. */
  readonly available: boolean;
  /**
   * False while invalidations from other instances could be missed (not subscribed yet, or
   * reconnecting): the facade then keeps nothing in its L1. Absent means always live.
   */
  readonly invalidationsLive?: boolean;
  /** Synchronous lookup for stores that live in this process; absent for remote stores. */
  peek?(key: string): unknown;
  /** Approximate bytes of the entries an in-process store holds (see `entrySize`); absent for remote stores. */
  readonly localBytes?: number;
  /** The stored value, `NEGATIVE`, or `undefined` when absent. */
  get(key: string): Promise<unknown>;
  /**
   * Atomically: the stored value if present, else `LEASE_GRANTED` if the load lease for `key` was
   * free (now held by `token` for `leaseMs`), else `LEASE_BUSY`.
   */
  getOrLease(key: string, token: string, leaseMs: number): Promise<unknown>;
  /**
   * Stores the value only if `token` still holds the lease (an invalidation revokes it) and frees
   * the lease. `value` is already JSON-normalized and `json` is its serialization ('' for
   * `NEGATIVE`), so a store keeps whichever form it needs without encoding again.
   */
  fillLeased(key: string, token: string, value: unknown, json: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if `token` holds it (the load failed). */
  releaseLease(key: string, token: string): Promise<void>;
  /** Deletes the value and revokes any lease, then tells every listener. */
  invalidate(key: string): Promise<void>;
  /** The current generation of a namespace (0 when never bumped). */
  generation(namespace: string): Promise<number>;
  /** Increments the namespace generation, tells every listener, and returns the new one. */
  bumpGeneration(namespace: string): Promise<number>;
  /** Registers a listener for invalidations from every instance; returns an unsubscribe function. */
  subscribe(listener: InvalidationListener): Promise<() => void>;
  close(): Promise<void>;
}

// What an entry costs beside its key and JSON: the lru-cache node, the value's object headers, the TTL slot.
const ENTRY_OVERHEAD = 64;

/**
 * The approximate size of a cache entry in bytes: its key and JSON length (characters) plus a fixed
 * overhead. In-process caches are bounded by this sum; the heap an entry takes is a small multiple of it.
 */
export function entrySize(key: string, json: string): number {
  return key.length + json.length + ENTRY_OVERHEAD;
}
