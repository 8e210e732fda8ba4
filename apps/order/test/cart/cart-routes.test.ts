import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createRedisClient } from '@shop/cache';
import { findFreePort, getRedis, startRedisServer, uniqueKeyPrefix } from '@shop/testing';
import type { Redis } from 'ioredis';
import { CART_LIMITS } from '../../src/domain/cart.ts';
import { startOrder, type OrderTestContext } from '../helper.ts';
import { startProductStub, type ProductStub } from '../support/product-stub.ts';

// The cart routes through HTTP, carts in the real Redis, against a stub product service whose catalog each
// test shapes (cart-product-service.test.ts runs the same story against the real one).
let ctx: OrderTestContext;
let stub: ProductStub;
let redis: Redis;
const keyPrefix = uniqueKeyPrefix('cart-routes');
before(async () => {
  stub = await startProductStub();
  const { url } = await getRedis();
  ctx = await startOrder({
    PRODUCT_SERVICE_URL: stub.url,
    REDIS_URL: url,
    CART_KEY_PREFIX: keyPrefix,
  });
  redis = createRedisClient({ url }, { commandTimeoutMs: 2_000 }) as Redis;
});
after(async () => {
  redis?.disconnect();
  await ctx?.close();
  await stub?.close();
});
beforeEach(() => {
  stub.answer(null);
});

const problem = /^application\/problem\+json/;
const customer = (subject = randomUUID()) => ctx.auth.bearer(['customer'], { subject });
const stored = (customerId: string) => redis.hgetall(`${keyPrefix}${customerId}`);

describe('who may use the cart', () => {
  test('when there is no token, then 401; when the caller is not a customer, then 403', async () => {
    const unauthenticated = await ctx.http.get('/api/v1/cart').expect(401);
    assert.match(unauthenticated.headers['content-type'] ?? '', problem);
    await ctx.http.put(`/api/v1/cart/items/${stub.add().id}`).send({ quantity: 1 }).expect(401);
    await ctx.http
      .get('/api/v1/cart')
      .set(await ctx.auth.bearer(['admin']))
      .expect(403);
  });

  test("when two customers fill their carts, then each sees only their own and emptying one keeps the other's", async () => {
    const [one, other] = [randomUUID(), randomUUID()];
    const [a, b] = [stub.add(), stub.add()];
    await ctx.http
      .put(`/api/v1/cart/items/${a.id}`)
      .set(await customer(one))
      .send({ quantity: 1 })
      .expect(200);
    await ctx.http
      .put(`/api/v1/cart/items/${b.id}`)
      .set(await customer(other))
      .send({ quantity: 2 })
      .expect(200);

    await ctx.http
      .delete('/api/v1/cart')
      .set(await customer(one))
      .expect(204);

    const mine = await ctx.http
      .get('/api/v1/cart')
      .set(await customer(one))
      .expect(200);
    assert.deepEqual(mine.body.lines, []);
    const theirs = await ctx.http
      .get('/api/v1/cart')
      .set(await customer(other))
      .expect(200);
    assert.deepEqual(
      theirs.body.lines.map((l: { productId: string }) => l.productId),
      [b.id],
    );
  });
});

describe('putting products in the cart', () => {
  test('when a customer has no cart, then it is empty and cannot be checked out', async () => {
    const res = await ctx.http
      .get('/api/v1/cart')
      .set(await customer())
      .expect(200);
    assert.deepEqual(res.body, { lines: [], subtotals: [], itemCount: 0, checkoutReady: false });
  });

  test('when products are put in the cart, then it shows them priced now, in the order added, a repeat replacing the quantity', async () => {
    const owner = randomUUID();
    const asOwner = await customer(owner);
    const shoe = stub.add({ name: 'Shoe', price: { amount: 4_999, currency: 'USD' }, available: 5 });
    const sock = stub.add({ name: 'Sock', price: { amount: 350, currency: 'USD' }, available: 50 });

    await ctx.http.put(`/api/v1/cart/items/${shoe.id}`).set(asOwner).send({ quantity: 1 }).expect(200);
    await ctx.http.put(`/api/v1/cart/items/${sock.id}`).set(asOwner).send({ quantity: 3 }).expect(200);
    const res = await ctx.http
      .put(`/api/v1/cart/items/${shoe.id}`)
      .set(asOwner)
      .send({ quantity: 2 })
      .expect(200);

    assert.deepEqual(res.body, {
      lines: [
        {
          productId: shoe.id,
          quantity: 2,
          product: { sku: shoe.sku, name: 'Shoe', imageUrl: shoe.imageUrl, unitPrice: shoe.price },
          lineTotal: { amount: 9_998, currency: 'USD' },
          available: 5,
          issues: [],
        },
        {
          productId: sock.id,
          quantity: 3,
          product: { sku: sock.sku, name: 'Sock', imageUrl: sock.imageUrl, unitPrice: sock.price },
          lineTotal: { amount: 1_050, currency: 'USD' },
          available: 50,
          issues: [],
        },
      ],
      subtotals: [{ amount: 11_048, currency: 'USD' }],
      itemCount: 5,
      checkoutReady: true,
    });
    const fields = await stored(owner);
    assert.equal(fields[shoe.id], '2');
    assert.equal(fields[sock.id], '3');
    assert.deepEqual((await ctx.http.get('/api/v1/cart').set(asOwner).expect(200)).body, res.body);
  });

  test('when the cart is read or changed, then the product service is asked once, for every line together', async () => {
    const asOwner = await customer();
    const products = [stub.add(), stub.add(), stub.add()];
    for (const product of products) {
      const before = stub.requests.length;
      await ctx.http.put(`/api/v1/cart/items/${product.id}`).set(asOwner).send({ quantity: 1 }).expect(200);
      assert.equal(stub.requests.length - before, 1, 'one call checks the product and prices the cart');
    }
    const before = stub.requests.length;

    await ctx.http.get('/api/v1/cart').set(asOwner).expect(200);

    const calls = stub.requests.slice(before);
    assert.equal(calls.length, 1);
    assert.deepEqual((calls[0]?.body as { ids: string[] }).ids.sort(), products.map((p) => p.id).sort());
  });

  test('when the product is unknown, not on sale, or short, then it is refused with 404 or 409 and nothing is stored', async () => {
    const owner = randomUUID();
    const asOwner = await customer(owner);
    const hidden = stub.add({ sellable: false });
    const scarce = stub.add({ available: 2, name: 'Scarce' });

    const unknown = await ctx.http
      .put(`/api/v1/cart/items/${randomUUID()}`)
      .set(asOwner)
      .send({ quantity: 1 })
      .expect(404);
    assert.equal(unknown.body.code, 'CART_ERR_PRODUCT_NOT_FOUND');
    assert.match(unknown.headers['content-type'] ?? '', problem);
    const notForSale = await ctx.http
      .put(`/api/v1/cart/items/${hidden.id}`)
      .set(asOwner)
      .send({ quantity: 1 })
      .expect(409);
    assert.equal(notForSale.body.code, 'CART_ERR_PRODUCT_NOT_SELLABLE');
    const short = await ctx.http
      .put(`/api/v1/cart/items/${scarce.id}`)
      .set(asOwner)
      .send({ quantity: 3 })
      .expect(409);
    assert.equal(short.body.code, 'CART_ERR_INSUFFICIENT_STOCK');
    assert.equal(short.body.available, 2);
    assert.equal(short.body.requested, 3);
    assert.match(short.body.detail, /Only 2 units of Scarce/);

    assert.deepEqual(await stored(owner), {});
  });

  test('when the input is bad, then 400 problem+json and nothing is stored', async () => {
    const owner = randomUUID();
    const asOwner = await customer(owner);
    const product = stub.add({ available: 1_000 });
    const bodies = [
      {},
      { quantity: 0 },
      { quantity: CART_LIMITS.maxQuantityPerLine + 1 },
      { quantity: 1.5 },
      { quantity: '2' },
      { quantity: 2_147_483_648 },
      { quantity: 1, extra: true },
    ];
    for (const body of bodies) {
      const res = await ctx.http.put(`/api/v1/cart/items/${product.id}`).set(asOwner).send(body).expect(400);
      assert.match(res.headers['content-type'] ?? '', problem, JSON.stringify(body));
    }
    for (const productId of ['not-a-uuid', product.id.toUpperCase(), `${product.id}\u0000`]) {
      await ctx.http
        .put(`/api/v1/cart/items/${encodeURIComponent(productId)}`)
        .set(asOwner)
        .send({ quantity: 1 })
        .expect(400);
      await ctx.http
        .delete(`/api/v1/cart/items/${encodeURIComponent(productId)}`)
        .set(asOwner)
        .expect(400);
    }
    assert.deepEqual(await stored(owner), {});
  });

  test('when the cart holds the most lines it may, then a new product is refused with 409 but a line already in it still changes', async () => {
    const asOwner = await customer();
    const products = Array.from({ length: CART_LIMITS.maxLines }, () => stub.add());
    for (const product of products) {
      await ctx.http.put(`/api/v1/cart/items/${product.id}`).set(asOwner).send({ quantity: 1 }).expect(200);
    }

    const full = await ctx.http
      .put(`/api/v1/cart/items/${stub.add().id}`)
      .set(asOwner)
      .send({ quantity: 1 })
      .expect(409);
    assert.equal(full.body.code, 'CART_ERR_TOO_MANY_LINES');
    assert.equal(full.body.maxLines, CART_LIMITS.maxLines);
    const changed = await ctx.http
      .put(`/api/v1/cart/items/${products[0]!.id}`)
      .set(asOwner)
      .send({ quantity: 4 })
      .expect(200);
    assert.equal(changed.body.lines.length, CART_LIMITS.maxLines);
    assert.equal(changed.body.itemCount, CART_LIMITS.maxLines + 3);
  });
});

describe('when the catalog changes after a product went in the cart', () => {
  test('then the line is flagged (gone, not on sale, fewer available) and the cart cannot be checked out as it is', async () => {
    const asOwner = await customer();
    const [gone, hidden, scarce, fine] = [stub.add(), stub.add(), stub.add({ available: 5 }), stub.add()];
    for (const product of [gone, hidden, scarce, fine]) {
      await ctx.http.put(`/api/v1/cart/items/${product.id}`).set(asOwner).send({ quantity: 3 }).expect(200);
    }
    stub.products.delete(gone.id);
    hidden.sellable = false;
    scarce.available = 1;
    fine.price = { amount: 100, currency: 'USD' };

    const { body } = await ctx.http.get('/api/v1/cart').set(asOwner).expect(200);

    const issues = Object.fromEntries(
      body.lines.map((l: { productId: string; issues: { code: string }[] }) => [
        l.productId,
        l.issues.map((i) => i.code),
      ]),
    );
    assert.deepEqual(issues, {
      [gone.id]: ['PRODUCT_GONE'],
      [hidden.id]: ['NOT_SELLABLE'],
      [scarce.id]: ['INSUFFICIENT_STOCK'],
      [fine.id]: [],
    });
    const goneLine = body.lines[0];
    assert.equal(goneLine.product, null);
    assert.equal(goneLine.lineTotal, null);
    assert.equal(body.lines[2].issues[0].available, 1);
    assert.deepEqual(
      body.lines[3].lineTotal,
      { amount: 300, currency: 'USD' },
      'the price of now, not of when added',
    );
    assert.equal(body.checkoutReady, false);
    // The gone line has no price; the others count at today's prices (1250 x 3 twice, 100 x 3).
    assert.deepEqual(body.subtotals, [{ amount: 7_800, currency: 'USD' }]);
  });

  test('then a cart priced in two currencies shows one subtotal per currency rather than one wrong sum', async () => {
    const asOwner = await customer();
    const euro = stub.add({ price: { amount: 1_000, currency: 'EUR' } });
    const dollar = stub.add({ price: { amount: 700, currency: 'USD' } });
    await ctx.http.put(`/api/v1/cart/items/${dollar.id}`).set(asOwner).send({ quantity: 2 }).expect(200);
    const res = await ctx.http
      .put(`/api/v1/cart/items/${euro.id}`)
      .set(asOwner)
      .send({ quantity: 1 })
      .expect(200);

    assert.deepEqual(res.body.subtotals, [
      { amount: 1_000, currency: 'EUR' },
      { amount: 1_400, currency: 'USD' },
    ]);
  });
});

describe('taking products out', () => {
  test('when a line is removed, then the rest stays; removing it again, or emptying an empty cart, is no error', async () => {
    const owner = randomUUID();
    const asOwner = await customer(owner);
    const [a, b] = [stub.add(), stub.add()];
    await ctx.http.put(`/api/v1/cart/items/${a.id}`).set(asOwner).send({ quantity: 1 }).expect(200);
    await ctx.http.put(`/api/v1/cart/items/${b.id}`).set(asOwner).send({ quantity: 1 }).expect(200);

    await ctx.http.delete(`/api/v1/cart/items/${a.id}`).set(asOwner).expect(204);
    await ctx.http.delete(`/api/v1/cart/items/${a.id}`).set(asOwner).expect(204);
    const { body } = await ctx.http.get('/api/v1/cart').set(asOwner).expect(200);
    assert.deepEqual(
      body.lines.map((l: { productId: string }) => l.productId),
      [b.id],
    );

    await ctx.http.delete('/api/v1/cart').set(asOwner).expect(204);
    await ctx.http.delete('/api/v1/cart').set(asOwner).expect(204);
    assert.equal(await redis.exists(`${keyPrefix}${owner}`), 0);
  });
});

describe('outages', () => {
  let outage: OrderTestContext;
  let redisServer: Awaited<ReturnType<typeof startRedisServer>>;
  before(async () => {
    redisServer = await startRedisServer();
    outage = await startOrder({
      PRODUCT_SERVICE_URL: `http://127.0.0.1:${await findFreePort()}`,
      REDIS_URL: redisServer.url,
    });
  });
  after(async () => {
    await outage?.close();
    await redisServer?.dispose();
  });

  test('when the product service is down, then putting a product in the cart is a 503 with Retry-After', async () => {
    const res = await outage.http
      .put(`/api/v1/cart/items/${randomUUID()}`)
      .set(await outage.auth.bearer(['customer']))
      .send({ quantity: 1 })
      .expect(503);
    assert.match(res.headers['content-type'] ?? '', problem);
    assert.equal(res.body.code, 'PLATFORM_ERR_UPSTREAM_UNAVAILABLE');
    assert.ok(Number(res.headers['retry-after']) >= 1);
  });

  test('when Redis is down, then the cart is a 503 with Retry-After, not a 500', async () => {
    await redisServer.stop();
    const asCustomer = await outage.auth.bearer(['customer']);
    for (const request of [
      outage.http.get('/api/v1/cart'),
      outage.http.delete('/api/v1/cart'),
      outage.http.delete(`/api/v1/cart/items/${randomUUID()}`),
    ]) {
      const res = await request.set(asCustomer).expect(503);
      assert.equal(res.body.code, 'CART_ERR_STORE_UNAVAILABLE');
      assert.equal(res.headers['retry-after'], '1');
    }
  });
});
