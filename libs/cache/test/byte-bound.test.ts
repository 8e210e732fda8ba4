import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getRedis, uniqueKeyPrefix } from '@shop/testing';
import { Cache, createCache, MemoryCacheStore } from '../src/index.ts';

// In-process caches are bounded in bytes, not only in entries: 10 000 entries of list pages (up to 100
// products of several KiB each) would otherwise hold gigabytes. Sizes are read from the cache, not timed.

const BOUND = 64 * 1024;
const page = (i: number) => ({
  id: i,
  items: Array.from({ length: 10 }, (_, n) => `${i}:${n}:${'x'.repeat(200)}`),
});
const pageBytes = JSON.stringify(page(0)).length;

test('when many distinct large values fill the in-process store, then its bytes stay under maxBytes and the newest are kept', async (t) => {
  const cache = await Cache.open({
    name: 'pages',
    store: new MemoryCacheStore({ maxBytes: BOUND }),
    l1: false,
  });
  t.after(() => cache.close());
  for (let i = 0; i < 500; i++) await cache.getOrLoad(`page:${i}`, async () => page(i));
  assert.ok(500 * pageBytes > 10 * BOUND, 'the flood is far larger than the bound');
  assert.ok(cache.localBytes() <= BOUND, `${cache.localBytes()} bytes held`);
  assert.ok(
    cache.localBytes() > BOUND / 2,
    `${cache.localBytes()} bytes held: the bound is used, not emptied`,
  );
  const loadsBefore = cache.stats().loads;
  await cache.getOrLoad('page:499', async () => assert.fail('the newest page is kept'));
  assert.equal(cache.stats().loads, loadsBefore);
});

test('when many distinct large values are read from Redis, then the L1 bytes stay under maxBytes', async (t) => {
  const { url } = await getRedis();
  // A generous command timeout, as in redis-cache.test.ts: a loaded machine must not turn a slow reply into a load.
  const options = {
    name: 'pages',
    redis: { url },
    keyPrefix: uniqueKeyPrefix('byte-bound'),
    redisClient: { commandTimeoutMs: 2_000 },
  };
  const writer = await createCache({ ...options, l1: false });
  const reader = await createCache({ ...options, l1: { maxBytes: BOUND, ttl: 60_000 } });
  t.after(() => Promise.all([writer.close(), reader.close()]));
  for (let i = 0; i < 300; i++) await writer.getOrLoad(`page:${i}`, async () => page(i));
  // The reader fills its L1 from Redis GETs, where no JSON is at hand and the L1 sizes the value itself.
  for (let i = 0; i < 300; i++) await reader.getOrLoad(`page:${i}`, async () => assert.fail('in Redis'));
  assert.ok(reader.localBytes() <= BOUND, `${reader.localBytes()} bytes in the L1`);
  assert.ok(reader.localBytes() > BOUND / 2, `${reader.localBytes()} bytes in the L1: it is used`);
  assert.equal(writer.localBytes(), 0, 'without an L1, nothing is held in process');
});

test('when one value is larger than the L1 bound, then it is answered but not kept in process', async (t) => {
  const cache = await Cache.open({
    name: 'pages',
    store: new MemoryCacheStore({ maxBytes: 1024 }),
    l1: false,
  });
  t.after(() => cache.close());
  const huge = { text: 'y'.repeat(4096) };
  assert.deepEqual(await cache.getOrLoad('huge', async () => huge), huge);
  assert.equal(cache.localBytes(), 0);
});
