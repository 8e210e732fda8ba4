import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createRedisClient } from '@shop/cache';
import { AppError } from '@shop/platform';
import {
  getRedis,
  startRedisCluster,
  startRedisServer,
  TestClock,
  uniqueKeyPrefix,
  type LocalRedisCluster,
} from '@shop/testing';
import type { Cluster, Redis } from 'ioredis';
import { MemoryCartStore, RedisCartStore } from '../../src/data-access/cart-store.ts';
import { CART_TTL_SECONDS, type CartStore } from '../../src/domain/cart.ts';

const limits = { maxLines: 3 };
const line = (quantity = 1) => ({ productId: randomUUID(), quantity });

/** The behaviour both stores promise; the embedded start must behave like production. */
function cartStoreContract(name: string, store: () => CartStore) {
  describe(`${name} cart store`, () => {
    test('when a customer has no cart, then it has no lines, and removing or clearing is a no-op', async () => {
      const customer = randomUUID();
      assert.deepEqual(await store().lines(customer), []);
      await store().removeLine(customer, randomUUID());
      await store().clear(customer);
      assert.deepEqual(await store().lines(customer), []);
    });

    test('when lines are set, then they read back in the order first added, a repeat replacing the quantity in place', async () => {
      const customer = randomUUID();
      const [a, b, c] = [line(1), line(2), line(3)];
      for (const added of [a, b, c]) assert.equal(await store().setLine(customer, added, limits), 'set');
      assert.equal(await store().setLine(customer, { ...a, quantity: 7 }, limits), 'set');

      assert.deepEqual(await store().lines(customer), [{ ...a, quantity: 7 }, b, c]);
    });

    test('when the cart is full, then a new line is refused but an existing one still changes', async () => {
      const customer = randomUUID();
      const lines = [line(), line(), line()];
      for (const added of lines) await store().setLine(customer, added, limits);

      assert.equal(await store().setLine(customer, line(), limits), 'cart-full');
      assert.equal(await store().setLine(customer, { ...lines[1]!, quantity: 5 }, limits), 'set');
      assert.deepEqual(
        (await store().lines(customer)).map((l) => l.quantity),
        [1, 5, 1],
      );
    });

    test('when many new lines are added at once, then exactly the limit lands', async () => {
      const customer = randomUUID();
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, () => store().setLine(customer, line(), limits)),
      );

      assert.equal(outcomes.filter((o) => o === 'set').length, limits.maxLines);
      assert.equal((await store().lines(customer)).length, limits.maxLines);
    });

    test('when a line is removed, then the others stay in order, and a removed line comes back at the end', async () => {
      const customer = randomUUID();
      const [a, b, c] = [line(1), line(2), line(3)];
      for (const added of [a, b, c]) await store().setLine(customer, added, limits);

      await store().removeLine(customer, a.productId);
      await store().removeLine(customer, a.productId);
      assert.deepEqual(await store().lines(customer), [b, c]);
      await store().setLine(customer, a, limits);
      assert.deepEqual(await store().lines(customer), [b, c, a]);
    });

    test('when a cart is cleared, then it is empty and other customers keep theirs', async () => {
      const [one, other] = [randomUUID(), randomUUID()];
      const kept = line(4);
      await store().setLine(one, line(), limits);
      await store().setLine(other, kept, limits);

      await store().clear(one);
      assert.deepEqual(await store().lines(one), []);
      assert.deepEqual(await store().lines(other), [kept]);
    });
  });
}

let redis: Redis;
let redisStore: RedisCartStore;
const keyPrefix = uniqueKeyPrefix('cart');
before(async () => {
  redis = createRedisClient({ url: (await getRedis()).url }, { commandTimeoutMs: 2_000 }) as Redis;
  await new Promise((resolve) => redis.once('ready', resolve));
  redisStore = new RedisCartStore(redis, { keyPrefix });
});
after(() => redis.quit());

cartStoreContract('Redis', () => redisStore);

// Kubernetes runs a 3-node Redis Cluster: the store's commands and script touch one key each, so any node
// that owns the customer's slot runs them.
let cluster: LocalRedisCluster;
let clusterClient: Cluster;
let clusterStore: RedisCartStore;
before(async () => {
  cluster = await startRedisCluster(3);
  clusterClient = createRedisClient({ clusterNodes: cluster.nodes }, { commandTimeoutMs: 2_000 }) as Cluster;
  await new Promise((resolve) => clusterClient.once('ready', resolve));
  clusterStore = new RedisCartStore(clusterClient, { keyPrefix });
});
after(async () => {
  await clusterClient?.quit();
  await cluster?.dispose();
});
cartStoreContract('Redis Cluster', () => clusterStore);
const memoryStore = new MemoryCartStore();
cartStoreContract('in-process', () => memoryStore);

describe('Redis cart store', () => {
  test('when a cart changes, then its key is one hash under the prefix that lives 30 days from that change', async () => {
    const customer = randomUUID();
    const key = `${keyPrefix}${customer}`;
    await redisStore.setLine(customer, line(2), limits);
    assert.equal(await redis.type(key), 'hash');
    await redis.expire(key, 60);

    await redisStore.setLine(customer, line(), limits);
    const ttl = await redis.ttl(key);
    assert.ok(ttl > CART_TTL_SECONDS - 60 && ttl <= CART_TTL_SECONDS, `ttl ${ttl}`);

    await redis.expire(key, 60);
    const [first] = await redisStore.lines(customer);
    await redisStore.removeLine(customer, first!.productId);
    assert.ok((await redis.ttl(key)) > CART_TTL_SECONDS - 60, 'a removal restarts the time to live too');
  });

  test('when Redis is down, then every call fails with a 503 AppError with Retry-After', async () => {
    const server = await startRedisServer();
    const client = createRedisClient({ url: server.url }, { commandTimeoutMs: 500 });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    try {
      const store = new RedisCartStore(client, { keyPrefix });
      const customer = randomUUID();
      await store.setLine(customer, line(), limits);
      await server.stop();

      for (const call of [
        () => store.lines(customer),
        () => store.setLine(customer, line(), limits),
        () => store.removeLine(customer, randomUUID()),
        () => store.clear(customer),
      ]) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.status, 503);
          assert.equal(error.code, 'CART_ERR_STORE_UNAVAILABLE');
          assert.equal(error.headers['retry-after'], '1');
          return true;
        });
      }
    } finally {
      client.disconnect();
      await server.dispose();
    }
  });
});

describe('in-process cart store', () => {
  test('when a cart is untouched for 30 days, then it is gone; a change restarts the period', async () => {
    const clock = new TestClock();
    const store = new MemoryCartStore({ now: () => clock.now().getTime() });
    const [kept, dropped] = [randomUUID(), randomUUID()];
    await store.setLine(kept, line(), limits);
    await store.setLine(dropped, line(), limits);

    clock.advance((CART_TTL_SECONDS - 1) * 1000);
    await store.setLine(kept, line(), limits);
    clock.advance(2_000);

    assert.deepEqual(await store.lines(dropped), []);
    assert.equal((await store.lines(kept)).length, 2);
  });
});
