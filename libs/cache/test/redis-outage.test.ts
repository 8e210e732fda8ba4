import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test, type TestContext } from 'node:test';
import { eventually, startRedisServer, uniqueKeyPrefix, type LocalRedisServer } from '@shop/testing';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Cache, RedisCacheStore, createCache, createRedisClients, type CacheLogger } from '../src/index.ts';
import { requestCounts } from './support/cache-contract.ts';

// These tests stop and restart a Redis server of their own, one test after another.
let redis: LocalRedisServer;
let raw: Redis;
const keyPrefix = uniqueKeyPrefix('cache-outage');
const breaker = { consecutiveFailures: 3, halfOpenAfterMs: 200 };

before(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  raw.on('error', () => undefined);
});
after(async () => {
  raw.disconnect();
  await redis.dispose();
});

function recordingLogger(): CacheLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (_details, message) => warnings.push(message) };
}

async function openReplica(t: TestContext, options: { registry?: Registry; logger?: CacheLogger } = {}) {
  const clients = createRedisClients({ url: redis.url });
  const store = new RedisCacheStore({
    ...clients,
    keyPrefix,
    breaker,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  assert.ok(await store.ready(5_000), 'Redis is reachable before the test');
  const cache = await Cache.open({ name: 'product', store, ...options });
  t.after(() => cache.close());
  return { cache, store, clients };
}

/** A failed test may have left the server stopped; every test starts with it up. */
async function ensureRedisRunning(): Promise<void> {
  if ((await raw.ping().catch(() => 'down')) !== 'PONG') await redis.start();
}

const product =
  (key: string, name = 'Lamp') =>
  async () => ({ id: key, name });
const freshKey = (): string => `product:${randomUUID()}`;

test('when Redis stops, then reads answer from the loader, the breaker opens, and caching resumes once Redis is back', async (t) => {
  await ensureRedisRunning();
  const registry = new Registry();
  const logger = recordingLogger();
  const { cache, store } = await openReplica(t, { registry, logger });
  const warm = freshKey();
  await cache.getOrLoad(warm, product(warm));

  await redis.stop();
  const keys = Array.from({ length: 10 }, freshKey);
  for (const key of keys)
    assert.deepEqual(await cache.getOrLoad(key, product(key)), { id: key, name: 'Lamp' });

  assert.equal(store.available, false, 'the breaker is open');
  assert.deepEqual(await requestCounts(registry), { hit: 0, miss: 1, error: 10 });
  assert.equal(cache.stats().loads, 11, 'every read during the outage was answered by the loader');
  const storeFailures = logger.warnings.filter((message) => message.startsWith('Cache store call failed'));
  assert.equal(storeFailures.length, breaker.consecutiveFailures, 'once open, reads no longer try Redis');
  // While Redis is down the L1 shields the database: a key loaded during the outage is not loaded again.
  const lastKey = keys.at(-1)!;
  await cache.getOrLoad(lastKey, async () => assert.fail('the L1 answers during the outage'));
  assert.equal(cache.stats().l1Hits, 1);
  // What the L1 held before the outage was dropped: writes elsewhere could no longer reach it.
  let reloaded = false;
  await cache.getOrLoad(warm, async () => {
    reloaded = true;
    return { id: warm, name: 'Lamp' };
  });
  assert.equal(reloaded, true);

  await redis.start();
  await eventually(
    'the cache to write to Redis again',
    async () => {
      const key = freshKey();
      await cache.getOrLoad(key, product(key));
      assert.notEqual(
        await raw.get(`${keyPrefix}v:{${key}}`),
        null,
        'the loaded value was stored in Redis again',
      );
    },
    { timeoutMs: 10_000 },
  );
  assert.equal(store.available, true);
  const again = freshKey();
  await cache.getOrLoad(again, product(again));
  const before = cache.stats().hits;
  await cache.getOrLoad(again, async () => assert.fail('cached again'));
  assert.equal(cache.stats().hits, before + 1);
});

test('when Redis is slow, then a read answers from the loader before Redis replies and counts an error', async (t) => {
  await ensureRedisRunning();
  const registry = new Registry();
  const { cache } = await openReplica(t, { registry });
  const controller = new Redis(redis.url);
  const probe = new Redis(redis.url);
  t.after(() => {
    controller.disconnect();
    probe.disconnect();
  });
  // CLIENT PAUSE leaves every command unanswered for 1.5 s without dropping connections: a Redis that
  // is up but not answering. Once the reply arrives, the pause is in force.
  await controller.client('PAUSE', 1_500, 'ALL');
  const redisAnswersAgain = probe.ping();
  const key = freshKey();

  const first = await Promise.race([
    cache.getOrLoad(key, product(key)),
    redisAnswersAgain.then(() => 'redis answered first'),
  ]);

  assert.deepEqual(first, { id: key, name: 'Lamp' });
  assert.deepEqual(await requestCounts(registry), { hit: 0, miss: 0, error: 1 });
  await redisAnswersAgain;
});

test('when a replica is cut off from Redis while it writes, then its invalidations land once it reconnects', async (t) => {
  await ensureRedisRunning();
  const writer = await openReplica(t);
  const reader = await openReplica(t);
  const key = freshKey();
  const namespace = `lists:${randomUUID()}`;
  await reader.cache.getOrLoad(key, product(key, 'Old'));
  await reader.cache.getOrLoad('page=1', async () => ['Old'], { namespace });

  writer.clients.client.disconnect();
  await eventually('the writer to be disconnected', () => writer.clients.client.status === 'end');
  await writer.cache.invalidate(key);
  await writer.cache.bumpGeneration(namespace);
  assert.notEqual(
    await raw.get(`${keyPrefix}v:{${key}}`),
    null,
    'the invalidation could not reach Redis yet',
  );

  await writer.clients.client.connect();
  await eventually(
    'the missed invalidations to be replayed',
    async () => {
      assert.equal(await raw.get(`${keyPrefix}v:{${key}}`), null);
      assert.deepEqual(await reader.cache.getOrLoad(key, product(key, 'New')), { id: key, name: 'New' });
      assert.deepEqual(await reader.cache.getOrLoad('page=1', async () => ['New'], { namespace }), ['New']);
    },
    { timeoutMs: 5_000 },
  );
});

test('when the invalidation feed drops, then the L1 keeps nothing until the feed is live again', async (t) => {
  await ensureRedisRunning();
  const { cache, store, clients } = await openReplica(t);
  const key = freshKey();
  await cache.getOrLoad(key, product(key));
  // Under load the subscriber may report "ready" late and re-subscribe once; the premise is a live feed.
  await eventually('the invalidation feed to be live', () => store.invalidationsLive);

  clients.subscriber.disconnect();
  await eventually('the invalidation feed to be cut', () => !store.invalidationsLive);
  const before = cache.stats();
  await cache.getOrLoad(key, async () => assert.fail('Redis still has it'));
  await cache.getOrLoad(key, async () => assert.fail('Redis still has it'));

  const during = cache.stats();
  assert.equal(during.hits - before.hits, 2);
  assert.equal(
    during.l1Hits,
    before.l1Hits,
    'both reads went to Redis: a deaf replica must not trust its L1',
  );

  await clients.subscriber.connect();
  await eventually('the invalidation feed to be live', () => store.invalidationsLive);
  await cache.getOrLoad(key, async () => assert.fail('Redis still has it'));
  await cache.getOrLoad(key, async () => assert.fail('Redis still has it'));
  assert.equal(cache.stats().l1Hits, during.l1Hits + 1, 'the L1 is used again');
});

test('when the subscriber reports a close without reconnecting, then the store subscribes again by itself', async (t) => {
  await ensureRedisRunning();
  const { cache, store, clients } = await openReplica(t);
  const key = freshKey();
  await cache.getOrLoad(key, product(key));

  // An out-of-order "close" from a connection that is in fact up: no "ready" will follow it.
  clients.subscriber.emit('close');
  assert.equal(store.invalidationsLive, false);

  await eventually('the invalidation feed to be live', () => store.invalidationsLive, { timeoutMs: 5_000 });
  await cache.getOrLoad(key, async () => assert.fail('Redis still has it'));
  await cache.getOrLoad(key, async () => assert.fail('Redis still has it'));
  assert.equal(cache.stats().l1Hits, 1, 'the L1 is used again');
});

test('when Redis is down at start-up, then the cache starts anyway, reads use the loader, and it connects later', async (t) => {
  await ensureRedisRunning();
  await redis.stop();
  const registry = new Registry();
  const cache = await createCache({
    name: 'product',
    redis: { url: redis.url },
    keyPrefix,
    registry,
    breaker,
    redisClient: { connectTimeoutMs: 300 },
  });
  t.after(() => cache.close());
  const key = freshKey();

  assert.deepEqual(await cache.getOrLoad(key, product(key)), { id: key, name: 'Lamp' });
  assert.equal((await requestCounts(registry)).error, 1);

  await redis.start();
  await eventually(
    'the cache to write to Redis again',
    async () => {
      const next = freshKey();
      await cache.getOrLoad(next, product(next));
      assert.notEqual(await raw.get(`${keyPrefix}v:{${next}}`), null);
    },
    { timeoutMs: 10_000 },
  );
});
