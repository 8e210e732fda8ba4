import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { eventually } from '@shop/testing';
import { Cache, type CacheOptions, type CacheStore } from '../../src/index.ts';
import { interceptStore } from './intercept-store.ts';

export type ReplicaOptions = Partial<Omit<CacheOptions, 'store' | 'name'>>;

/** A shared store: every `newStore()` is one replica's view of it (its own connections). */
export interface ContractBackend {
  newStore(): CacheStore | Promise<CacheStore>;
  /** Options every replica of this backend gets (the in-memory one runs without an L1). */
  replicaDefaults?: ReplicaOptions;
  /** Milliseconds until the stored value of `key` expires, or undefined when absent. */
  remainingTtl(key: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Wraps a store and counts the calls the facade makes to it (the store itself stays real). */
function countingStore(store: CacheStore): { store: CacheStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const count =
    (name: string) =>
    (original: (...args: never[]) => unknown, ...args: never[]): unknown => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return original(...args);
    };
  return {
    store: interceptStore(store, {
      get: count('get'),
      getOrLease: count('getOrLease'),
      fillLeased: count('fillLeased'),
    }),
    calls,
  };
}

type Product = { id: string; name: string };

/** `cache_requests_total` of one cache, by result, read from the registry as a scraper would. */
export async function requestCounts(registry: Registry, cache = 'product'): Promise<Record<string, number>> {
  const counts: Record<string, number> = { hit: 0, miss: 0, error: 0 };
  const metric = registry.getSingleMetric('cache_requests_total');
  assert.ok(metric, 'cache_requests_total is registered');
  for (const sample of (await metric.get()).values) {
    if (sample.labels.cache === cache) counts[String(sample.labels.result)] = sample.value;
  }
  return counts;
}

const uniqueKey = (label: string): string => `${label}:${randomUUID()}`;

/** The behaviour every `CacheStore` must give the facade, run once per implementation. */
export function cacheContract(label: string, createBackend: () => Promise<ContractBackend>): void {
  describe(`cache contract: ${label}`, () => {
    let backend: ContractBackend;
    const replicas: Cache[] = [];
    const openReplica = async (options: ReplicaOptions = {}, store?: CacheStore): Promise<Cache> => {
      const replica = await Cache.open({
        name: 'product',
        store: store ?? (await backend.newStore()),
        ...backend.replicaDefaults,
        ...options,
      });
      replicas.push(replica);
      return replica;
    };
    before(async () => {
      backend = await createBackend();
    });
    after(async () => {
      await Promise.all(replicas.map((replica) => replica.close()));
      await backend.close();
    });

    test('when a key is read twice, then the loader runs once and the second read is a hit', async () => {
      const registry = new Registry();
      const cache = await openReplica({ registry });
      const key = uniqueKey('product');
      let loads = 0;
      const loader = async (): Promise<Product> => {
        loads++;
        return { id: key, name: 'Desk lamp' };
      };

      assert.deepEqual(await cache.getOrLoad(key, loader), { id: key, name: 'Desk lamp' });
      assert.deepEqual(await cache.getOrLoad(key, loader), { id: key, name: 'Desk lamp' });

      assert.equal(loads, 1);
      assert.deepEqual(await requestCounts(registry), { hit: 1, miss: 1, error: 0 });
      assert.equal(cache.stats().loads, 1);
    });

    test('when another replica reads a key one replica loaded, then it is a hit without loading', async () => {
      const first = await openReplica();
      const registry = new Registry();
      const second = await openReplica({ registry });
      const key = uniqueKey('product');
      await first.getOrLoad(key, async () => ({ id: key, name: 'Chair' }));

      const seen = await second.getOrLoad(key, async () => assert.fail('the second replica must not load'));

      assert.deepEqual(seen, { id: key, name: 'Chair' });
      assert.deepEqual(await requestCounts(registry), { hit: 1, miss: 0, error: 0 });
    });

    test('when a key is invalidated, then the next read loads the new value', async () => {
      const cache = await openReplica();
      const key = uniqueKey('product');
      await cache.getOrLoad(key, async () => ({ id: key, name: 'Old name' }));

      await cache.invalidate(key);
      const after = await cache.getOrLoad(key, async () => ({ id: key, name: 'New name' }));

      assert.deepEqual(after, { id: key, name: 'New name' });
    });

    test('when another replica invalidates a key, then this replica stops serving its copy', async () => {
      const reader = await openReplica();
      const writer = await openReplica();
      const key = uniqueKey('product');
      await reader.getOrLoad(key, async () => ({ id: key, name: 'Old name' }));

      await writer.invalidate(key);

      await eventually('the other replica dropping its copy', async () => {
        const seen = await reader.getOrLoad(key, async () => ({ id: key, name: 'New name' }));
        assert.deepEqual(seen, { id: key, name: 'New name' });
      });
    });

    test('when a namespace generation is bumped, then its pages reload and other namespaces stay cached', async () => {
      const cache = await openReplica();
      const other = await openReplica();
      const products = uniqueKey('products-list');
      const categories = uniqueKey('categories-list');
      let productLoads = 0;
      let categoryLoads = 0;
      const productPage = async (): Promise<string[]> => [`page-${++productLoads}`];
      const categoryPage = async (): Promise<string[]> => [`page-${++categoryLoads}`];
      await cache.getOrLoad('page=1', productPage, { namespace: products });
      await other.getOrLoad('page=1', productPage, { namespace: products });
      await cache.getOrLoad('page=1', categoryPage, { namespace: categories });

      await cache.bumpGeneration(products);

      assert.deepEqual(await cache.getOrLoad('page=1', productPage, { namespace: products }), ['page-2']);
      assert.deepEqual(await cache.getOrLoad('page=1', categoryPage, { namespace: categories }), ['page-1']);
      await eventually('the other replica seeing the new generation', async () => {
        assert.deepEqual(await other.getOrLoad('page=1', productPage, { namespace: products }), ['page-2']);
      });
      assert.equal(productLoads, 2, 'the new page is loaded once and shared by both replicas');
      assert.equal(categoryLoads, 1);
    });

    test('when the loader finds nothing, then the absence is cached for the negative TTL only', async () => {
      // Long enough that a loaded machine cannot let it expire between the writes and the checks.
      const cache = await openReplica({ negativeTtl: 1_000 });
      const key = uniqueKey('product');
      let loads = 0;
      const missing = async (): Promise<Product | null> => {
        loads++;
        return null;
      };

      assert.equal(await cache.getOrLoad(key, missing), undefined);
      assert.equal(await cache.getOrLoad(key, missing), undefined);
      assert.equal(loads, 1);
      const ttl = await backend.remainingTtl(key);
      assert.ok(
        ttl !== undefined && ttl <= 1_000,
        `negative entry lives at most 1 s, not the 5 min of values: ${ttl}`,
      );

      await sleep(1_300);
      assert.equal(await cache.getOrLoad(key, missing), undefined);
      assert.equal(loads, 2, 'after the negative TTL the source is asked again');
    });

    test('when values are stored, then each TTL is jittered within [ttl * (1 - jitter), ttl]', async () => {
      const cache = await openReplica({ ttlJitter: 0.2 });
      const ttls: number[] = [];
      for (let i = 0; i < 30; i++) {
        const key = uniqueKey('product');
        await cache.getOrLoad(key, async () => ({ id: key, name: 'x' }), { ttl: 60_000 });
        const ttl = await backend.remainingTtl(key);
        assert.ok(ttl !== undefined, 'the value is stored');
        ttls.push(ttl);
      }

      // Allow two seconds for the time spent between writing and reading the TTL on a loaded machine.
      for (const ttl of ttls)
        assert.ok(ttl <= 60_000 && ttl >= 48_000 - 2_000, `TTL ${ttl} is outside the jitter bounds`);
      assert.ok(new Set(ttls).size > 10, 'TTLs are spread, not identical');
    });

    test('when 100 reads of one key miss at once, then the loader runs once and all get its value', async () => {
      const registry = new Registry();
      const cache = await openReplica({ registry });
      const key = uniqueKey('product');
      let loads = 0;
      const loader = async (): Promise<Product> => {
        loads++;
        await sleep(50);
        return { id: key, name: 'Popular' };
      };

      const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad(key, loader)));

      assert.equal(loads, 1);
      for (const result of results) assert.deepEqual(result, { id: key, name: 'Popular' });
      assert.deepEqual(await requestCounts(registry), { hit: 0, miss: 100, error: 0 });
    });

    test('when 100 reads of one key miss at once, then one of them asks the store and the rest wait for it', async () => {
      const { store, calls } = countingStore(await backend.newStore());
      const cache = await openReplica({}, store);
      const key = uniqueKey('product');

      await Promise.all(
        Array.from({ length: 100 }, () => cache.getOrLoad(key, async () => ({ id: key, name: 'Popular' }))),
      );

      const lookups = (calls.get('get') ?? 0) + (calls.get('getOrLease') ?? 0);
      assert.ok(
        lookups <= 2,
        `one lookup (get, then getOrLease), not one per read: ${JSON.stringify([...calls])}`,
      );
      assert.equal(calls.get('fillLeased'), 1);
    });

    test('when two replicas miss one key at once, then only the lease holder loads while the lease holds', async () => {
      const first = await openReplica();
      const second = await openReplica();
      const key = uniqueKey('product');
      let loads = 0;
      const loader = async (): Promise<Product> => {
        loads++;
        await sleep(300);
        return { id: key, name: 'Flash sale' };
      };

      const reads = [first, second].flatMap((replica) =>
        Array.from({ length: 50 }, () => replica.getOrLoad(key, loader)),
      );
      const results = await Promise.all(reads);

      assert.equal(loads, 1);
      for (const result of results) assert.deepEqual(result, { id: key, name: 'Flash sale' });
    });

    test('when a write invalidates a key while it is being loaded, then the older loaded value is not cached', async () => {
      const reader = await openReplica();
      const writer = await openReplica();
      const key = uniqueKey('product');
      const loadStarted = Promise.withResolvers<void>();
      const releaseLoad = Promise.withResolvers<void>();
      const staleRead = reader.getOrLoad(key, async () => {
        loadStarted.resolve();
        await releaseLoad.promise;
        return { id: key, name: 'Before the write' };
      });
      await loadStarted.promise;

      await writer.invalidate(key);
      releaseLoad.resolve();

      assert.deepEqual(await staleRead, { id: key, name: 'Before the write' });
      const fresh = async (): Promise<Product> => ({ id: key, name: 'After the write' });
      assert.deepEqual(await reader.getOrLoad(key, fresh), { id: key, name: 'After the write' });
      assert.deepEqual(await writer.getOrLoad(key, fresh), { id: key, name: 'After the write' });
    });

    test('when the loader fails, then every waiting caller gets the error, nothing is cached and the lease is freed', async () => {
      const failing = await openReplica();
      const second = await openReplica();
      const third = await openReplica();
      const key = uniqueKey('product');
      const broken = async (): Promise<Product> => {
        await sleep(20);
        throw new Error('database unavailable');
      };

      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => failing.getOrLoad(key, broken)),
      );
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.equal((result.reason as Error).message, 'database unavailable');
      }

      let loads = 0;
      const working = async (): Promise<Product> => {
        loads++;
        return { id: key, name: 'Recovered' };
      };
      assert.deepEqual(await second.getOrLoad(key, working), { id: key, name: 'Recovered' });
      assert.deepEqual(await third.getOrLoad(key, working), { id: key, name: 'Recovered' });
      assert.equal(loads, 1, 'the second replica got the lease at once and stored the value for the third');
    });

    test('when a loaded value is not plain JSON, then every caller gets its JSON form, the first one too', async () => {
      const cache = await openReplica();
      const other = await openReplica();
      const key = uniqueKey('product');
      const loader = async (): Promise<unknown> => ({ id: key, updatedAt: new Date(0), discount: undefined });

      const first = await cache.getOrLoad(key, loader);
      const second = await other.getOrLoad(key, loader);

      assert.deepEqual(first, { id: key, updatedAt: '1970-01-01T00:00:00.000Z' });
      assert.deepEqual(second, first);
    });
  });
}
