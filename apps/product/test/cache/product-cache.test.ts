import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '@shop/platform';
import { eventually } from '@shop/testing';
import supertest from 'supertest';
import {
  cacheCounters,
  createProduct,
  expectRenameSeenByBothReplicas,
  startProduct,
  type ProductTestContext,
} from '../helper.ts';

describe('the product cache (Redis with an in-process L1)', () => {
  let ctx: ProductTestContext;
  let replica: Service;
  before(async () => {
    ctx = await startProduct();
    replica = await ctx.startReplica();
  });
  after(() => ctx.close());

  test('when a product is read twice, then the database is read once and the second read is a hit', async () => {
    const { id } = await createProduct(ctx);
    const before = await cacheCounters(ctx.app, 'product');
    await ctx.http.get(`/api/v1/products/${id}`).expect(200);
    await ctx.http.get(`/api/v1/products/${id}`).expect(200);
    const after = await cacheCounters(ctx.app, 'product');
    assert.equal(after.loads - before.loads, 1);
    assert.equal(after.miss - before.miss, 1);
    assert.equal(after.hit - before.hit, 1);
  });

  test('when an admin changes a product, then the next read shows it at once, and other replicas drop their copy', async () => {
    await expectRenameSeenByBothReplicas(ctx, replica);
  });

  test('when a price changes, then cached list pages show the new price at once', async () => {
    const created = await createProduct(ctx, {
      category: 'list-invalidation',
      price: { amount: 5000, currency: 'USD' },
    });
    const url = '/api/v1/products?category=list-invalidation';
    assert.equal((await ctx.http.get(url).expect(200)).body.items[0].price.amount, 5000);
    assert.equal((await ctx.http.get(url).expect(200)).body.items[0].price.amount, 5000);
    await ctx.http
      .patch(`/api/v1/products/${created.id}`)
      .set(ctx.asAdmin)
      .send({ version: 1, price: { amount: 4500, currency: 'USD' } })
      .expect(200);
    assert.equal((await ctx.http.get(url).expect(200)).body.items[0].price.amount, 4500);
    await eventually(
      'the other replica dropping its list pages',
      async () => (await supertest(replica.server).get(url).expect(200)).body.items[0].price.amount === 4500,
    );
  });

  test('when a new product is created or one is deleted, then cached lists and categories change at once', async () => {
    const url = '/api/v1/products?category=list-membership';
    const first = await createProduct(ctx, { category: 'list-membership' });
    assert.equal((await ctx.http.get(url).expect(200)).body.items.length, 1);
    const second = await createProduct(ctx, { category: 'list-membership' });
    assert.equal((await ctx.http.get(url).expect(200)).body.items.length, 2);
    await ctx.http.delete(`/api/v1/products/${first.id}`).set(ctx.asAdmin).expect(204);
    assert.deepEqual(
      (await ctx.http.get(url).expect(200)).body.items.map((i: { id: string }) => i.id),
      [second.id],
    );
    const categories = (await ctx.http.get('/api/v1/categories').expect(200)).body.items;
    assert.equal(categories.find((c: { slug: string }) => c.slug === 'list-membership').productCount, 1);
  });

  test('when the last unit is reserved, then the product reads as out of stock at once, and in stock again after release', async () => {
    const { id } = await createProduct(ctx, { stock: 1, category: 'last-unit' });
    assert.equal((await ctx.http.get(`/api/v1/products/${id}`).expect(200)).body.inStock, true);
    assert.equal(
      (await ctx.http.get('/api/v1/products?category=last-unit&inStock=true').expect(200)).body.items.length,
      1,
    );
    const orderId = `order-${crypto.randomUUID()}`;
    await ctx.http
      .put(`/internal/v1/inventory/reservations/${orderId}`)
      .set(ctx.asService)
      .send({ items: [{ productId: id, quantity: 1 }] })
      .expect(201);
    assert.equal((await ctx.http.get(`/api/v1/products/${id}`).expect(200)).body.inStock, false);
    assert.equal(
      (await ctx.http.get('/api/v1/products?category=last-unit&inStock=true').expect(200)).body.items.length,
      0,
    );
    await ctx.http
      .post(`/internal/v1/inventory/reservations/${orderId}/release`)
      .set(ctx.asService)
      .expect(200);
    assert.equal((await ctx.http.get(`/api/v1/products/${id}`).expect(200)).body.inStock, true);
  });

  test('when an unknown id is read twice, then the database is asked once (negative caching)', async () => {
    const unknown = crypto.randomUUID();
    const before = await cacheCounters(ctx.app, 'product');
    await ctx.http.get(`/api/v1/products/${unknown}`).expect(404);
    await ctx.http.get(`/api/v1/products/${unknown}`).expect(404);
    const after = await cacheCounters(ctx.app, 'product');
    assert.equal(after.loads - before.loads, 1);
    assert.equal(after.hit - before.hit, 1);
  });

  test('when 100 requests miss the same key at once, then the database loads it once', async () => {
    const { id } = await createProduct(ctx);
    const before = await cacheCounters(ctx.app, 'product');
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => ctx.app.inject({ method: 'GET', url: `/api/v1/products/${id}` })),
    );
    assert.ok(responses.every((r) => r.statusCode === 200 && r.json().id === id));
    const after = await cacheCounters(ctx.app, 'product');
    assert.equal(after.loads - before.loads, 1);
    assert.equal(after.hit + after.miss - before.hit - before.miss, 100);
  });

  test('when two replicas miss the same key at once, then only one of them loads it (the Redis lease)', async () => {
    const { id } = await createProduct(ctx);
    const [beforeA, beforeB] = await Promise.all([
      cacheCounters(ctx.app, 'product'),
      cacheCounters(replica, 'product'),
    ]);
    const requests = Array.from({ length: 100 }, (_, i) =>
      (i % 2 === 0 ? ctx.app : replica).inject({ method: 'GET', url: `/api/v1/products/${id}` }),
    );
    const responses = await Promise.all(requests);
    assert.ok(responses.every((r) => r.statusCode === 200));
    const [afterA, afterB] = await Promise.all([
      cacheCounters(ctx.app, 'product'),
      cacheCounters(replica, 'product'),
    ]);
    assert.equal(afterA.loads - beforeA.loads + (afterB.loads - beforeB.loads), 1);
  });

  test('when /metrics is scraped, then cache_requests_total is there per cache and result', async () => {
    const text = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const cache of ['product', 'product-list']) {
      for (const result of ['hit', 'miss', 'error']) {
        assert.match(
          text,
          new RegExp(
            `cache_requests_total\\{[^}]*cache="${cache}"[^}]*result="${result}"|cache_requests_total\\{[^}]*result="${result}"[^}]*cache="${cache}"`,
          ),
        );
      }
    }
  });
});
