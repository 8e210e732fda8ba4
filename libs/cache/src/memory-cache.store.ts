import { LRUCache } from 'lru-cache';
import {
  entrySize,
  LEASE_BUSY,
  LEASE_GRANTED,
  type CacheStore,
  type InvalidationListener,
} from './cache-store.ts';

/** Options of {@link MemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Most entries kept; the least recently used go first. Default 50 000. */
  maxEntries?: number;
  /**
   * Most bytes kept (keys and JSON, see `entrySize`), so large values cannot exhaust the heap whatever
   * their number; the least recently used go first, and a value larger than this is not kept. Default 64 MiB.
   */
  maxBytes?: number;
}

type Lease = { token: string; expiresAt: number };

/**
 * An in-process `CacheStore` on lru-cache, for the embedded `npm start` and for tests. Several
 * facades sharing one instance behave like replicas sharing one Redis, invalidations included.
 */
export class MemoryCacheStore implements CacheStore {
  readonly available = true;
  readonly #values: LRUCache<string, NonNullable<unknown>>;
  readonly #leases = new Map<string, Lease>();
  readonly #generations = new Map<string, number>();
  readonly #listeners = new Set<InvalidationListener>();

  constructor(options: MemoryCacheStoreOptions = {}) {
    // ttlResolution 0 reads the clock on every check, so TTLs are exact even after a busy event-loop turn.
    this.#values = new LRUCache({
      max: options.maxEntries ?? 50_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      ttlAutopurge: false,
      ttlResolution: 0,
    });
  }

  get localBytes(): number {
    return this.#values.calculatedSize;
  }

  peek(key: string): unknown {
    return this.#values.get(key);
  }

  async get(key: string): Promise<unknown> {
    return this.#values.get(key);
  }

  async getOrLease(key: string, token: string, leaseMs: number): Promise<unknown> {
    const value = this.#values.get(key);
    if (value !== undefined) return value;
    const lease = this.#leases.get(key);
    if (lease !== undefined && lease.expiresAt > Date.now()) return LEASE_BUSY;
    this.#leases.set(key, { token, expiresAt: Date.now() + leaseMs });
    return LEASE_GRANTED;
  }

  async fillLeased(
    key: string,
    token: string,
    value: unknown,
    json: string,
    ttlMs: number,
  ): Promise<boolean> {
    if (!this.#holds(key, token)) return false;
    this.#leases.delete(key);
    this.#values.set(key, value as NonNullable<unknown>, { ttl: ttlMs, size: entrySize(key, json) });
    return true;
  }

  async releaseLease(key: string, token: string): Promise<void> {
    if (this.#holds(key, token)) this.#leases.delete(key);
  }

  async invalidate(key: string): Promise<void> {
    this.#values.delete(key);
    this.#leases.delete(key);
    for (const listener of this.#listeners) listener.keyInvalidated(key);
  }

  async generation(namespace: string): Promise<number> {
    return this.#generations.get(namespace) ?? 0;
  }

  async bumpGeneration(namespace: string): Promise<number> {
    const generation = (this.#generations.get(namespace) ?? 0) + 1;
    this.#generations.set(namespace, generation);
    for (const listener of this.#listeners) listener.generationChanged(namespace, generation);
    return generation;
  }

  async subscribe(listener: InvalidationListener): Promise<() => void> {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Milliseconds until `key` expires, or undefined when absent. */
  async remainingTtl(key: string): Promise<number | undefined> {
    return this.#values.has(key) ? this.#values.getRemainingTTL(key) : undefined;
  }

  async close(): Promise<void> {
    this.#values.clear();
    this.#leases.clear();
    this.#listeners.clear();
  }

  #holds(key: string, token: string): boolean {
    const lease = this.#leases.get(key);
    return lease !== undefined && lease.token === token && lease.expiresAt > Date.now();
  }
}
