import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { getRedis, uniqueKeyPrefix } from '@shop/testing';
import { Redis } from 'ioredis';
import { Cache, RedisCacheStore, createRedisClients } from '../src/index.ts';
import { cacheContract, type ReplicaOptions } from './support/cache-contract.ts';

const { url: redisUrl } = await getRedis();
const keyPrefix = uniqueKeyPrefix('cache');

function openStore(): RedisCacheStore {
  return new RedisCacheStore({ ...createRedisClients({ url: redisUrl }), keyPrefix });
}

async function openReplica(options: ReplicaOptions = {}): Promise<Cache> {
  const store = openStore();
  assert.ok(await store.ready(5_000), `Redis at ${redisUrl} is reachable`);
  return Cache.open({ name: 'product', store, ...options });
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

test('when a key is in the L1, then reading it does not touch Redis', async () => {
  const cache = await openReplica();
  const key = `product:${randomUUID()}`;
  await cache.getOrLoad(key, async () => ({ id: key, name: 'Lamp' }));
  // Remove the Redis copy behind the cache's back (no invalidation message): only the L1 can answer.
  assert.equal(await raw.del(`${keyPrefix}v:{${key}}`), 1);

  const seen = await cache.getOrLoad(key, async () => assert.fail('an L1 hit must not load'));

  assert.deepEqual(seen, { id: key, name: 'Lamp' });
  assert.equal(cache.stats().l1Hits, 1);
  await cache.close();
});

test('when the L1 is off, then reads of another replica are Redis hits without loading', async () => {
  const writer = await openReplica();
  const reader = await openReplica({ l1: false });
  const key = `product:${randomUUID()}`;
  await writer.getOrLoad(key, async () => ({ id: key, name: 'Lamp' }));

  for (let i = 0; i < 3; i++) await reader.getOrLoad(key, async () => assert.fail('a Redis hit must not load'));

  assert.deepEqual(reader.stats(), { hits: 3, l1Hits: 0, misses: 0, errors: 0, loads: 0 });
  await Promise.all([writer.close(), reader.close()]);
});
