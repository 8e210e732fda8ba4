import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, TestClock } from '@shop/testing';
import pg from 'pg';
import { createProduct, outboxEvents, startProduct, type ProductTestContext } from '../../helper.ts';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('stock reservations: /internal/v1/inventory', () => {
  let ctx: ProductTestContext;
  before(async () => {
    // Bursts of 200 must queue for a connection, not be shed with 503, however slow the machine: these
    // tests are about correctness under contention (shedding is tested below).
    ctx = await startProduct({ DATABASE_CONNECT_TIMEOUT_MS: '60000' });
  });
  after(() => ctx.close());

  const orderId = () => `order-${crypto.randomUUID()}`;
  const reserve = (
    order: string,
    items: { productId: string; quantity: number }[],
    extra: Record<string, unknown> = {},
  ) =>
    ctx.http
      .put(`/internal/v1/inventory/reservations/${order}`)
      .set(ctx.asService)
      .send({ items, ...extra });
  const stockOf = async (productId: string) =>
    (await ctx.http.get(`/internal/v1/inventory/stock/${productId}`).set(ctx.asService).expect(200)).body as {
      available: number;
      reserved: number;
    };

  test('when 200 orders reserve 1 unit each against a stock of 50 at once, then exactly 50 succeed and stock ends at 0', async () => {
    const { id } = await createProduct(ctx, { stock: 50 });
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => reserve(orderId(), [{ productId: id, quantity: 1 }])),
    );
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 50);
    assert.equal(statuses.filter((s) => s === 409).length, 150);
    assert.ok(
      responses
        .filter((r) => r.status === 409)
        .every((r) => r.body.code === 'INVENTORY_ERR_INSUFFICIENT_STOCK'),
    );
    assert.deepEqual(await stockOf(id), { productId: id, available: 0, reserved: 50 });
    const [held] = await ctx.sql<{ units: number }>(
      `SELECT coalesce(sum(i.quantity), 0)::int AS units FROM stock_reservation_items i JOIN stock_reservations r USING (order_id)
        WHERE i.product_id = $1 AND r.status = 'reserved'`,
      [id],
    );
    assert.equal(held!.units, 50);
    assert.equal(
      (await outboxEvents(ctx, 'inventory.reserved.v1')).filter(
        (e) => (e.envelope.data['items'] as { productId: string }[])[0]!.productId === id,
      ).length,
      50,
    );
  });

  test('when 200 orders of random sizes over two products race, then no stock goes negative and every order is all or nothing', async () => {
    const a = await createProduct(ctx, { stock: 120 });
    const b = await createProduct(ctx, { stock: 80 });
    const next = random(20261126);
    const orders = Array.from({ length: 200 }, () => ({
      id: orderId(),
      items: [
        { productId: a.id, quantity: 1 + Math.floor(next() * 5) },
        ...(next() < 0.5 ? [{ productId: b.id, quantity: 1 + Math.floor(next() * 5) }] : []),
      ],
    }));
    const responses = await Promise.all(orders.map((order) => reserve(order.id, order.items)));
    const won = orders.filter((_, i) => responses[i]!.status === 201);
    const lost = orders.filter((_, i) => responses[i]!.status === 409);
    assert.equal(
      won.length + lost.length,
      200,
      `statuses: ${[...new Set(responses.map((r) => r.status))].join(', ')}`,
    );
    assert.ok(lost.length > 0, 'the stock cannot satisfy every order');

    const units = (productId: string) =>
      won
        .flatMap((o) => o.items)
        .filter((i) => i.productId === productId)
        .reduce((sum, i) => sum + i.quantity, 0);
    const [stockA, stockB] = [await stockOf(a.id), await stockOf(b.id)];
    assert.deepEqual([stockA.available, stockA.reserved], [120 - units(a.id), units(a.id)]);
    assert.deepEqual([stockB.available, stockB.reserved], [80 - units(b.id), units(b.id)]);
    assert.ok(stockA.available >= 0 && stockB.available >= 0);

    const stored = await ctx.sql<{ order_id: string }>(
      'SELECT order_id FROM stock_reservations WHERE order_id = ANY($1)',
      [lost.map((o) => o.id)],
    );
    assert.deepEqual(stored, [], 'a refused order holds nothing');
  });

  test('when an order reserves again with the same items, then it gets the same reservation and stock moves once', async () => {
    const { id } = await createProduct(ctx, { stock: 10 });
    const order = orderId();
    const first = await reserve(order, [{ productId: id, quantity: 3 }]).expect(201);
    const again = await reserve(order, [{ productId: id, quantity: 3 }]).expect(200);
    assert.deepEqual(again.body, first.body);
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => reserve(order, [{ productId: id, quantity: 3 }])),
    );
    assert.ok(concurrent.every((r) => r.status === 200));
    assert.deepEqual(await stockOf(id), { productId: id, available: 7, reserved: 3 });

    const racing = orderId();
    const raced = await Promise.all(
      Array.from({ length: 10 }, () => reserve(racing, [{ productId: id, quantity: 2 }])),
    );
    assert.deepEqual(raced.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    assert.deepEqual(await stockOf(id), { productId: id, available: 5, reserved: 5 });

    const mismatch = await reserve(order, [{ productId: id, quantity: 4 }]).expect(409);
    assert.equal(mismatch.body.code, 'INVENTORY_ERR_RESERVATION_MISMATCH');
  });

  test('when a reservation is committed, then held units are sold, inventory.committed.v1 is emitted, and committing again changes nothing', async () => {
    const { id } = await createProduct(ctx, { stock: 5 });
    const order = orderId();
    await reserve(order, [{ productId: id, quantity: 2 }]).expect(201);
    const committed = await ctx.http
      .post(`/internal/v1/inventory/reservations/${order}/commit`)
      .set(ctx.asService)
      .expect(200);
    assert.equal(committed.body.status, 'committed');
    assert.deepEqual(await stockOf(id), { productId: id, available: 3, reserved: 0 });
    await ctx.http.post(`/internal/v1/inventory/reservations/${order}/commit`).set(ctx.asService).expect(200);
    assert.deepEqual(await stockOf(id), { productId: id, available: 3, reserved: 0 });
    assert.equal(
      (await outboxEvents(ctx, 'inventory.committed.v1')).filter((e) => e.key === order).length,
      1,
    );
    const release = await ctx.http
      .post(`/internal/v1/inventory/reservations/${order}/release`)
      .set(ctx.asService)
      .expect(409);
    assert.equal(release.body.code, 'INVENTORY_ERR_RESERVATION_COMMITTED');
    const unknown = await ctx.http
      .post(`/internal/v1/inventory/reservations/${orderId()}/commit`)
      .set(ctx.asService)
      .expect(404);
    assert.equal(unknown.body.code, 'INVENTORY_ERR_RESERVATION_NOT_FOUND');
  });

  test('when a reservation is released, then its units are back on sale once, and a late reserve for that order is refused', async () => {
    const { id } = await createProduct(ctx, { stock: 5 });
    const order = orderId();
    await reserve(order, [{ productId: id, quantity: 4 }]).expect(201);
    await ctx.http
      .post(`/internal/v1/inventory/reservations/${order}/release`)
      .set(ctx.asService)
      .expect(200);
    await ctx.http
      .post(`/internal/v1/inventory/reservations/${order}/release`)
      .set(ctx.asService)
      .expect(200);
    assert.deepEqual(await stockOf(id), { productId: id, available: 5, reserved: 0 });
    assert.equal((await outboxEvents(ctx, 'inventory.released.v1')).filter((e) => e.key === order).length, 1);
    const late = await reserve(order, [{ productId: id, quantity: 4 }]).expect(409);
    assert.equal(late.body.code, 'INVENTORY_ERR_RESERVATION_RELEASED');

    const cancelledFirst = orderId();
    await ctx.http
      .post(`/internal/v1/inventory/reservations/${cancelledFirst}/release`)
      .set(ctx.asService)
      .expect(200);
    await reserve(cancelledFirst, [{ productId: id, quantity: 1 }]).expect(409);
    assert.deepEqual(await stockOf(id), { productId: id, available: 5, reserved: 0 });
  });

  test('when a product is deleted or inactive, then it cannot be reserved', async () => {
    const deleted = await createProduct(ctx, { stock: 5 });
    const inactive = await createProduct(ctx, { stock: 5, active: false });
    await ctx.http.delete(`/api/v1/products/${deleted.id}`).set(ctx.asAdmin).expect(204);
    const res = await reserve(orderId(), [
      { productId: deleted.id, quantity: 1 },
      { productId: inactive.id, quantity: 1 },
    ]).expect(409);
    assert.equal(res.body.code, 'INVENTORY_ERR_INSUFFICIENT_STOCK');
    assert.equal(res.body.unavailable.length, 2);
    await reserve(orderId(), [{ productId: crypto.randomUUID(), quantity: 1 }]).expect(409);
  });

  test('when the request is malformed, then the answer is 400 problem+json', async () => {
    const { id } = await createProduct(ctx);
    await reserve(orderId(), []).expect(400);
    await reserve(orderId(), [{ productId: id, quantity: 0 }]).expect(400);
    await reserve(orderId(), [{ productId: 'nope', quantity: 1 }]).expect(400);
    await ctx.http
      .put('/internal/v1/inventory/reservations/bad%20id')
      .set(ctx.asService)
      .send({ items: [{ productId: id, quantity: 1 }] })
      .expect(400);
  });

  test("when a caller has no service token, then every internal route refuses it: 401, or 403 for a user's token", async () => {
    const { id } = await createProduct(ctx, { stock: 5 });
    const body = { items: [{ productId: id, quantity: 1 }] };
    const order = orderId();
    for (const [headers, status] of [
      [{}, 401],
      [{ 'x-internal-token': 'the shared secret of old' }, 401],
      [ctx.asAdmin, 403],
      [ctx.asCustomer, 403],
    ] as const) {
      const res = await ctx.http
        .put(`/internal/v1/inventory/reservations/${order}`)
        .set(headers)
        .send(body)
        .expect(status);
      assert.equal(res.body.code, status === 401 ? 'PLATFORM_ERR_UNAUTHORIZED' : 'PLATFORM_ERR_FORBIDDEN');
      await ctx.http.post(`/internal/v1/inventory/reservations/${order}/release`).set(headers).expect(status);
      await ctx.http.get(`/internal/v1/inventory/stock/${id}`).set(headers).expect(status);
    }
    assert.deepEqual(await stockOf(id), { productId: id, available: 5, reserved: 0 });
  });
});

describe('reservation expiry', () => {
  let ctx: ProductTestContext;
  // The use cases' clock: holds expire when the test moves time, not after real seconds of sleep.
  const clock = new TestClock(Date.now());
  before(async () => {
    ctx = await startProduct({ RESERVATION_SWEEP_INTERVAL_MS: '50' }, { now: clock.now });
  });
  after(() => ctx.close());

  const statusOf = async (order: string) =>
    (await ctx.http.get(`/internal/v1/inventory/reservations/${order}`).set(ctx.asService).expect(200)).body
      .status as string;
  const waitForStatus = (order: string, status: string) =>
    eventually(`reservation ${order} to become ${status}`, async () => (await statusOf(order)) === status);
  const reserveFor = (order: string, productId: string, quantity: number, ttlSeconds?: number) =>
    ctx.http
      .put(`/internal/v1/inventory/reservations/${order}`)
      .set(ctx.asService)
      .send({ items: [{ productId, quantity }], ...(ttlSeconds === undefined ? {} : { ttlSeconds }) })
      .expect(201);

  test('when a hold expires, then the sweep releases it, the stock is back on sale and inventory.released.v1 is emitted', async () => {
    const { id } = await createProduct(ctx, { stock: 3 });
    const order = `order-${crypto.randomUUID()}`;
    await reserveFor(order, id, 3, 1);
    assert.equal((await ctx.http.get(`/api/v1/products/${id}`).expect(200)).body.inStock, false);
    assert.equal(await statusOf(order), 'reserved', 'a hold within its ttl stays');
    clock.advance(1_001);
    await waitForStatus(order, 'released');
    const stock = (await ctx.http.get(`/internal/v1/inventory/stock/${id}`).set(ctx.asService).expect(200))
      .body;
    assert.deepEqual(stock, { productId: id, available: 3, reserved: 0 });
    assert.equal((await ctx.http.get(`/api/v1/products/${id}`).expect(200)).body.inStock, true);
    assert.equal((await outboxEvents(ctx, 'inventory.released.v1')).filter((e) => e.key === order).length, 1);

    // A sweep that releases the short hold has looked at the long one too, at the same moment.
    const kept = `order-${crypto.randomUUID()}`;
    const short = `order-${crypto.randomUUID()}`;
    await reserveFor(kept, id, 1);
    await reserveFor(short, id, 1, 1);
    clock.advance(1_001);
    await waitForStatus(short, 'released');
    assert.equal(await statusOf(kept), 'reserved', 'an unexpired hold is kept');
  });

  test('when payment arrives after the hold expired, then the order is still sold from available stock if there is some', async () => {
    const { id } = await createProduct(ctx, { stock: 2 });
    const order = `order-${crypto.randomUUID()}`;
    await reserveFor(order, id, 2, 1);
    clock.advance(1_001);
    await waitForStatus(order, 'released');
    const committed = await ctx.http
      .post(`/internal/v1/inventory/reservations/${order}/commit`)
      .set(ctx.asService)
      .expect(200);
    assert.equal(committed.body.status, 'committed');
    assert.deepEqual(
      (await ctx.http.get(`/internal/v1/inventory/stock/${id}`).set(ctx.asService).expect(200)).body,
      { productId: id, available: 0, reserved: 0 },
    );

    const tooLate = `order-${crypto.randomUUID()}`;
    const other = await createProduct(ctx, { stock: 1 });
    await reserveFor(tooLate, other.id, 1, 1);
    clock.advance(1_001);
    await waitForStatus(tooLate, 'released');
    await ctx.http
      .put(`/internal/v1/inventory/reservations/order-${crypto.randomUUID()}`)
      .set(ctx.asService)
      .send({ items: [{ productId: other.id, quantity: 1 }] })
      .expect(201);
    const refused = await ctx.http
      .post(`/internal/v1/inventory/reservations/${tooLate}/commit`)
      .set(ctx.asService)
      .expect(409);
    assert.equal(refused.body.code, 'INVENTORY_ERR_RESERVATION_RELEASED');
  });
});

describe('when every database connection is busy', () => {
  let ctx: ProductTestContext;
  before(async () => {
    ctx = await startProduct({ DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '200' });
  });
  after(() => ctx.close());

  test('then a request that cannot get one in time is answered 503 with Retry-After, and the queued one completes', async () => {
    const { id } = await createProduct(ctx, { stock: 5 });
    const blocker = new pg.Client({ connectionString: ctx.databaseUrl });
    await blocker.connect();
    try {
      // Holding the stock row makes the first reservation keep the service's only connection.
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM stock_levels WHERE product_id = $1 FOR UPDATE', [id]);
      const body = { items: [{ productId: id, quantity: 1 }] };
      const first = ctx.http
        .put(`/internal/v1/inventory/reservations/order-${crypto.randomUUID()}`)
        .set(ctx.asService)
        .send(body)
        .then((r) => r);
      await eventually('the first reservation waiting on the held row', async () => {
        const waiting = await ctx.sql(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = 'product' AND wait_event_type = 'Lock'",
        );
        return waiting.length === 1;
      });
      const shed = await ctx.http
        .put(`/internal/v1/inventory/reservations/order-${crypto.randomUUID()}`)
        .set(ctx.asService)
        .send(body);
      assert.equal(shed.status, 503);
      assert.equal(shed.body.code, 'DATABASE_ERR_BUSY');
      assert.equal(shed.headers['retry-after'], '1');
      await blocker.query('COMMIT');
      assert.equal((await first).status, 201);
    } finally {
      await blocker.end();
    }
  });
});
