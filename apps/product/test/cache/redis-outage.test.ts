import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { eventually, startRedisServer, type LocalRedisServer } from '@shop/testing';
import { cacheCounters, createProduct, startProduct, type ProductTestContext } from '../helper.ts';

describe('when Redis goes down and comes back', () => {
  let redis: LocalRedisServer;
  let ctx: ProductTestContext;
  before(async () => {
    // A server of our own: stopping a shared one would break other test files.
    redis = await startRedisServer();
    ctx = await startProduct({ REDIS_URL: redis.url });
  });
  after(async () => {
    await ctx.close();
    await redis.dispose();
  });

  test('then reads fall through to PostgreSQL, the service stays ready, writes are seen, and caching resumes', async () => {
    const created = await createProduct(ctx, { name: 'Before the outage', category: 'outage' });
    await ctx.http.get(`/api/v1/products/${created.id}`).expect(200);
    await ctx.http.get(`/api/v1/products/${created.id}`).expect(200);

    await redis.stop();
    const duringOutage = await cacheCounters(ctx.app, 'product');
    for (let i = 0; i < 20; i++) {
      const res = await ctx.http.get(`/api/v1/products/${created.id}`).expect(200);
      assert.equal(res.body.name, 'Before the outage');
    }
    const createdDuringOutage = await createProduct(ctx, {
      name: 'Born during the outage',
      category: 'outage',
    });
    assert.equal(
      (await ctx.http.get(`/api/v1/products/${createdDuringOutage.id}`).expect(200)).body.name,
      'Born during the outage',
    );
    assert.equal((await ctx.http.get('/api/v1/products?category=outage').expect(200)).body.items.length, 2);
    const ready = await ctx.http.get('/ready');
    assert.equal(ready.status, 200, `ready while Redis is down: ${JSON.stringify(ready.body)}`);

    await ctx.http
      .patch(`/api/v1/products/${created.id}`)
      .set(ctx.asAdmin)
      .send({ version: 1, name: 'Changed during the outage' })
      .expect(200);
    assert.equal(
      (await ctx.http.get(`/api/v1/products/${created.id}`).expect(200)).body.name,
      'Changed during the outage',
    );
    const names = (await ctx.http.get('/api/v1/products?category=outage').expect(200)).body.items.map(
      (i: { name: string }) => i.name,
    );
    assert.ok(names.includes('Changed during the outage'), `lists show the change: ${names.join(', ')}`);
    const afterOutage = await cacheCounters(ctx.app, 'product');
    assert.ok(afterOutage.error > duringOutage.error, 'reads during the outage count as result="error"');

    await redis.start();
    // The breaker tries Redis again after 5 s, and the in-process copies made meanwhile are dropped when the
    // invalidation feed reconnects; from then on a read stores the product in Redis again.
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    const cachedKeys = await eventually('the product cached in Redis again', async () => {
      await ctx.http.get(`/api/v1/products/${created.id}`).expect(200);
      const keys = (await client.keys(`${ctx.config.CACHE_KEY_PREFIX}*${created.id}*`)).filter(
        (key) => !key.includes(':l:'),
      );
      return keys.length > 0 && keys;
    });
    await client.quit();
    assert.equal(cachedKeys.length, 1, 'the product is cached in Redis again once Redis is back');
    const recovered = await cacheCounters(ctx.app, 'product');
    await ctx.http.get(`/api/v1/products/${created.id}`).expect(200);
    assert.equal(
      (await cacheCounters(ctx.app, 'product')).error,
      recovered.error,
      'no more errors once recovered',
    );
    assert.equal(
      (await ctx.http.get(`/api/v1/products/${created.id}`).expect(200)).body.name,
      'Changed during the outage',
    );
  });
});
