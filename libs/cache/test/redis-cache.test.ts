import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test, type TestContext } from 'node:test';
import { eventually, getRedis, uniqueKeyPrefix } from '@shop/testing';
import { Redis } from 'ioredis';
import { Cache, RedisCacheStore, createRedisClients, type CacheStore } from '../src/index.ts';
import { cacheContract, type ReplicaOptions } from './support/cache-contract.ts';
import { interceptStore } from './support/intercept-store.ts';

const { url: redisUrl } = await getRedis();
const keyPrefix = uniqueKeyPrefix('cache');

// These tests check behaviour, not timeouts (redis-outage.test.ts does): a generous command timeout
// keeps a loaded CI machine from turning a slow reply into a fall-through.
function openStore(): RedisCacheStore {
  return new RedisCacheStore({
    ...createRedisClients({ url: redisUrl }, { commandTimeoutMs: 2_000 }),
    keyPrefix,
  });
}

/** Rejects with `message` if `promise` takes longer than `ms`, instead of hanging the file. */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  const timeout = AbortSignal.timeout(ms);
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(new Error(message)))),
  ]);
}

async function openReplica(
  t: TestContext,
  options: ReplicaOptions = {},
  wrap = (store: CacheStore) => store,
): Promise<Cache> {
  const store = openStore();
  assert.ok(await store.ready(5_000), `Redis at ${redisUrl} is reachable`);
  const cache = await Cache.open({ name: 'product', store: wrap(store), ...options });
  t.after(() => cache.close());
  return cache;
}

cacheContract('Redis store', async () => {
  const inspector = openStore();
  return {
    newStore: async () => {
      const store = openStore();
      assert.ok(await store.ready(5_000), `Redis at ${redisUrl} is reachable`);
      return store;
    },
    remainingTtl: (key) => inspector.remainingTtl(key),
    close: () => inspector.close(),
  };
});

let raw: Redis;
before(() => {
  raw = new Redis(redisUrl);
});
after(async () => {
  await raw.quit();
});

const valueKey = (key: string): string => `${keyPrefix}v:{${key}}`;
const leaseKey = (key: string): string => `${keyPrefix}l:{${key}}`;

test('when a key is in the L1, then reading it does not touch Redis', async (t) => {
  const cache = await openReplica(t);
  const key = `product:${randomUUID()}`;
  await cache.getOrLoad(key, async () => ({ id: key, name: 'Lamp' }));
  // Remove the Redis copy behind the cache's back (no invalidation message): only the L1 can answer.
  assert.equal(await raw.del(valueKey(key)), 1);

  const seen = await cache.getOrLoad(key, async () => assert.fail('an L1 hit must not load'));

  assert.deepEqual(seen, { id: key, name: 'Lamp' });
  assert.equal(cache.stats().l1Hits, 1);
});

test('when the L1 is off, then reads of another replica are Redis hits without loading', async (t) => {
  const writer = await openReplica(t);
  const reader = await openReplica(t, { l1: false });
  const key = `product:${randomUUID()}`;
  await writer.getOrLoad(key, async () => ({ id: key, name: 'Lamp' }));

  for (let i = 0; i < 3; i++)
    await reader.getOrLoad(key, async () => assert.fail('a Redis hit must not load'));

  assert.deepEqual(reader.stats(), { hits: 3, l1Hits: 0, misses: 0, errors: 0, loads: 0 });
});

test('when the lease is revoked before the invalidation message arrives, then the loaded value stays out of the L1', async (t) => {
  const reader = await openReplica(t);
  const key = `product:${randomUUID()}`;
  const loadStarted = Promise.withResolvers<void>();
  const releaseLoad = Promise.withResolvers<void>();
  const read = reader.getOrLoad(key, async () => {
    loadStarted.resolve();
    await releaseLoad.promise;
    return { id: key, name: 'Before the write' };
  });
  await loadStarted.promise;

  // What a writer's invalidation does in Redis, minus the message: as if it were still in flight.
  await raw.del(valueKey(key), leaseKey(key));
  releaseLoad.resolve();

  assert.deepEqual(await read, { id: key, name: 'Before the write' });
  assert.equal(await raw.get(valueKey(key)), null, 'the revoked lease kept the value out of Redis');
  const next = await reader.getOrLoad(key, async () => ({ id: key, name: 'After the write' }));
  assert.deepEqual(next, { id: key, name: 'After the write' });
});

test('when an invalidation arrives while a Redis read is in flight, then the value read before it stays out of the L1', async (t) => {
  const writer = await openReplica(t);
  const key = `product:${randomUUID()}`;
  await writer.getOrLoad(key, async () => ({ id: key, name: 'Before the write' }));
  const probe = `product:${randomUUID()}`;
  const probeSeen = Promise.withResolvers<void>();
  const invalidationSeen = Promise.withResolvers<void>();
  let raced = false;
  const reader = await openReplica(t, {}, (store) =>
    interceptStore(store, {
      // Hold the reader's GET reply until the writer's invalidation has reached the reader.
      get: async (original, ...args) => {
        const value = await original(...args);
        if (!raced) {
          raced = true;
          await writer.invalidate(key);
          await within(invalidationSeen.promise, 10_000, 'the invalidation message never reached the reader');
        }
        return value;
      },
      subscribe: (original, ...args) => {
        const [listener] = args as unknown as Parameters<CacheStore['subscribe']>;
        return original(
          ...([
            {
              ...listener,
              keyInvalidated: (invalidated: string) => {
                listener.keyInvalidated(invalidated);
                if (invalidated === probe) probeSeen.resolve();
                if (invalidated === key) invalidationSeen.resolve();
              },
            },
          ] as never[]),
        );
      },
    }),
  );

  // The reader's subscription must be live before the race, or the message would simply be missed.
  // A message published before the subscription is confirmed is lost, so probe until one arrives.
  await eventually(
    "the reader's invalidation subscription to be live",
    async () => {
      await writer.invalidate(probe);
      await within(probeSeen.promise, 500, "the reader's invalidation subscription is not live yet");
    },
    { timeoutMs: 20_000 },
  );

  assert.deepEqual(await reader.getOrLoad(key, async () => assert.fail('Redis still had it')), {
    id: key,
    name: 'Before the write',
  });
  const next = await reader.getOrLoad(key, async () => ({ id: key, name: 'After the write' }));

  assert.deepEqual(next, { id: key, name: 'After the write' });
});
