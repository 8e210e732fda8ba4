import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compareSchemasWithDatamodel } from '@shop/database';
import { logicalShardOf, newOrderId } from '@shop/sharding';
import { createTestDatabase } from '@shop/testing';
import { appDir, startOrder, type OrderTestContext } from '../../helper.ts';
import { schemaOf, SHARD_COUNT } from '../../support/order-system.ts';

// The order routes on one server holding all 16 shards (the embedded start's layout), with no product
// service: what is refused before it would be called, the reads, and the admin scatter-gather.

const problem = /^application\/problem\+json/;
const address = { name: 'Ada', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const productId = '7d3f2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6';

let ctx: OrderTestContext;
before(async () => {
  // Nothing answers there: every test below is decided before the product service would be asked.
  ctx = await startOrder({ PRODUCT_SERVICE_URL: 'http://127.0.0.1:9' });
});
after(() => ctx.close());

const customer = async (id = randomUUID()) => ({
  id,
  headers: await ctx.auth.bearer(['customer'], { subject: id }),
});

/** Writes an order row straight into a shard, as checkout would have. */
async function insertOrder(customerId: string, createdAt: Date, status = 'PENDING_PAYMENT'): Promise<string> {
  const shard = logicalShardOf(customerId, SHARD_COUNT);
  const id = newOrderId(shard, createdAt.getTime());
  await ctx.sql(
    `INSERT INTO "${schemaOf(shard)}".orders (id, customer_id, status, currency, total_amount, shipping_address, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, 'USD', 1000, $4, $5, $5, $5)`,
    [id, customerId, status, JSON.stringify(address), createdAt],
  );
  return id;
}

async function countEverywhere(table: string): Promise<number> {
  let total = 0;
  for (let shard = 0; shard < SHARD_COUNT; shard += 1) {
    const [row] = await ctx.sql<{ count: string }>(`SELECT count(*) FROM "${schemaOf(shard)}".${table}`);
    total += Number(row!.count);
  }
  return total;
}

describe('checkout input', () => {
  const cases: [string, unknown][] = [
    ['an unknown field', { shippingAddress: address, items: [{ productId, quantity: 1 }], coupon: 'FREE' }],
    ['no shipping address', { items: [{ productId, quantity: 1 }] }],
    ['a quantity of 0', { shippingAddress: address, items: [{ productId, quantity: 0 }] }],
    ['a quantity past a line', { shippingAddress: address, items: [{ productId, quantity: 100 }] }],
    ['a quantity past int4', { shippingAddress: address, items: [{ productId, quantity: 2 ** 31 }] }],
    ['a quantity as a string', { shippingAddress: address, items: [{ productId, quantity: '1' }] }],
    [
      'a product id that is not a uuid',
      { shippingAddress: address, items: [{ productId: 'p-1', quantity: 1 }] },
    ],
    ['an empty item list', { shippingAddress: address, items: [] }],
    [
      '51 lines',
      {
        shippingAddress: address,
        items: Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 })),
      },
    ],
    [
      'a NUL in the address',
      { shippingAddress: { ...address, line1: 'Main\u0000St' }, items: [{ productId, quantity: 1 }] },
    ],
    ['a blank name', { shippingAddress: { ...address, name: '   ' }, items: [{ productId, quantity: 1 }] }],
    [
      'a lower-case country',
      { shippingAddress: { ...address, country: 'us' }, items: [{ productId, quantity: 1 }] },
    ],
  ];
  for (const [what, body] of cases) {
    test(`${what} is a 400 problem and stores nothing`, async () => {
      const { headers } = await customer();
      const res = await ctx.http
        .post('/api/v1/orders')
        .set(headers)
        .set('idempotency-key', randomUUID())
        .send(body as object);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.headers['content-type']!, problem);
    });
  }

  test('the same product on two lines is a 400 naming it', async () => {
    const { headers } = await customer();
    const res = await ctx.http
      .post('/api/v1/orders')
      .set(headers)
      .set('idempotency-key', randomUUID())
      .send({
        shippingAddress: address,
        items: [
          { productId, quantity: 1 },
          { productId, quantity: 2 },
        ],
      })
      .expect(400);
    assert.equal(res.body.code, 'ORDER_ERR_DUPLICATE_LINE');
    assert.equal(res.body.productId, productId);
  });

  test('without an Idempotency-Key the checkout is refused', async () => {
    const { headers } = await customer();
    const res = await ctx.http
      .post('/api/v1/orders')
      .set(headers)
      .send({ shippingAddress: address, items: [{ productId, quantity: 1 }] })
      .expect(400);
    assert.equal(res.body.code, 'IDEMPOTENCY_ERR_KEY_MISSING');
  });

  test('an empty cart is a 409 that says what to do, and nothing is stored', async () => {
    const { headers } = await customer();
    const res = await ctx.http
      .post('/api/v1/orders')
      .set(headers)
      .set('idempotency-key', randomUUID())
      .send({ shippingAddress: address })
      .expect(409);
    assert.equal(res.body.code, 'ORDER_ERR_EMPTY');
  });

  test('after every refusal above, no shard holds an order', async () => {
    assert.equal(await countEverywhere('orders'), 0);
  });
});

describe('who may call what', () => {
  test('no token is a 401; a customer on an admin route is a 403', async () => {
    await ctx.http.get('/api/v1/orders').expect(401);
    const { headers } = await customer();
    await ctx.http.get('/api/v1/admin/orders').set(headers).expect(403);
    await ctx.http
      .get(`/api/v1/admin/orders/${newOrderId(3)}`)
      .set(headers)
      .expect(403);
  });

  test('the internal read needs a service token for order with orders:read and answers owner, state and amount', async () => {
    const owner = randomUUID();
    const id = await insertOrder(owner, new Date('2026-11-27T10:00:00.000Z'));
    const read = (headers: Record<string, string>) => ctx.http.get(`/internal/v1/orders/${id}`).set(headers);
    const noToken = await read({}).expect(401);
    assert.equal(noToken.headers['www-authenticate'], 'Bearer');
    await read({ 'x-internal-token': 'the shared secret of old' }).expect(401);
    // The owner's own token, or an admin's: valid tokens, but not a service's.
    await read(await ctx.auth.bearer(['customer'], { subject: owner })).expect(403);
    await read(await ctx.auth.bearer(['admin'])).expect(403);
    await read(await ctx.auth.serviceBearer('payment', 'product', ['products:lookup'])).expect(401);
    const noScope = await read(await ctx.auth.serviceBearer('payment', 'order', [])).expect(403);
    assert.match(noScope.headers['www-authenticate'] ?? '', /insufficient_scope.*orders:read/);
    const expired = await ctx.auth.serviceToken('payment', 'order', ['orders:read'], {
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    await read({ authorization: `Bearer ${expired}` }).expect(401);
    const asPayment = await ctx.auth.serviceBearer('payment', 'order');
    const res = await read(asPayment).expect(200);
    assert.deepEqual(res.body, {
      id,
      customerId: owner,
      status: 'PENDING_PAYMENT',
      total: { amount: 1000, currency: 'USD' },
      paymentId: null,
      expiresAt: '2026-11-27T10:00:00.000Z',
    });
    await ctx.http.get(`/internal/v1/orders/${randomUUID()}`).set(asPayment).expect(404);
    // And the other way round: a service token never passes for a customer.
    await ctx.http.get('/api/v1/orders').set(asPayment).expect(401);
  });
});

describe('reads', () => {
  test('an id that is not a uuid is a 400; a forged one is the same 404 as a missing one', async () => {
    const { headers } = await customer();
    await ctx.http.get('/api/v1/orders/not-an-id').set(headers).expect(400);
    const forged = await ctx.http.get(`/api/v1/orders/${randomUUID()}`).set(headers).expect(404);
    assert.equal(forged.body.code, 'ORDER_ERR_NOT_FOUND');
    await ctx.http.get('/api/v1/orders/ffffffff-ffff-7fff-bfff-ffffffffffff').set(headers).expect(404);
  });

  test("a customer pages through their own orders, newest first, and sees no one else's", async () => {
    const me = await customer();
    const other = randomUUID();
    const base = Date.parse('2026-11-28T00:00:00.000Z');
    const mine = [];
    for (let i = 0; i < 5; i += 1) mine.push(await insertOrder(me.id, new Date(base + i * 1000)));
    await insertOrder(other, new Date(base + 10_000));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await ctx.http
        .get('/api/v1/orders')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(me.headers)
        .expect(200);
      seen.push(...res.body.items.map((order: { id: string }) => order.id));
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [...mine].reverse());
  });

  test('bad listing parameters are 400s', async () => {
    const { headers } = await customer();
    await ctx.http.get('/api/v1/orders').query({ limit: 0 }).set(headers).expect(400);
    await ctx.http.get('/api/v1/orders').query({ limit: 101 }).set(headers).expect(400);
    await ctx.http.get('/api/v1/orders').query({ cursor: 'not*base64' }).set(headers).expect(400);
    const forged = Buffer.from(JSON.stringify({ t: '2026-13-45T99:00:00.000Z', id: 'x' })).toString(
      'base64url',
    );
    await ctx.http.get('/api/v1/orders').query({ cursor: forged }).set(headers).expect(400);
  });
});

describe('the admin listing over every shard', () => {
  let admin: Record<string, string>;
  const created: { id: string; at: number; status: string }[] = [];
  before(async () => {
    admin = await ctx.auth.bearer(['admin'], { subject: randomUUID() });
    const base = Date.parse('2026-11-29T00:00:00.000Z');
    // 48 orders of 48 customers, so most shards hold some; pairs share an instant to exercise the id tie-break.
    for (let i = 0; i < 48; i += 1) {
      const at = base + Math.floor(i / 2) * 1000;
      const status = i % 3 === 0 ? 'CONFIRMED' : 'PENDING_PAYMENT';
      created.push({ id: await insertOrder(randomUUID(), new Date(at), status), at, status });
    }
  });

  const window = { createdFrom: '2026-11-29T00:00:00.000Z', createdTo: '2026-11-30T00:00:00.000Z' };

  async function pageAll(query: Record<string, string | number>): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await ctx.http
        .get('/api/v1/admin/orders')
        .query({ ...query, ...(cursor ? { cursor } : {}) })
        .set(admin)
        .expect(200);
      seen.push(...res.body.items.map((order: { id: string }) => order.id));
      cursor = res.body.nextCursor;
    } while (cursor !== null);
    return seen;
  }

  const newestFirst = (rows: typeof created) =>
    [...rows].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((row) => row.id);

  test('pages merge every shard newest first, each order exactly once', async () => {
    assert.ok(new Set(created.map((order) => logicalShardOf(order.id, SHARD_COUNT))).size > 1);
    assert.deepEqual(await pageAll({ ...window, limit: 7 }), newestFirst(created));
  });

  test('filters by status and time', async () => {
    assert.deepEqual(
      await pageAll({ ...window, status: 'CONFIRMED', limit: 5 }),
      newestFirst(created.filter((order) => order.status === 'CONFIRMED')),
    );
    const later = created.filter((order) => order.at >= Date.parse('2026-11-29T00:00:10.000Z'));
    assert.deepEqual(
      await pageAll({ createdFrom: '2026-11-29T00:00:10.000Z', createdTo: window.createdTo, limit: 100 }),
      newestFirst(later),
    );
  });

  test('an admin reads any order by id', async () => {
    const [first] = created;
    const res = await ctx.http.get(`/api/v1/admin/orders/${first!.id}`).set(admin).expect(200);
    assert.equal(res.body.id, first!.id);
  });

  test('a shard that cannot answer makes the listing a 503 naming it, not a short page', async () => {
    await ctx.sql(`ALTER TABLE "${schemaOf(5)}".orders RENAME TO orders_away`);
    try {
      const res = await ctx.http.get('/api/v1/admin/orders').query(window).set(admin).expect(503);
      assert.equal(res.body.code, 'SHARD_ERR_UNAVAILABLE');
      assert.deepEqual(res.body.shards, [5]);
      assert.ok(Number(res.headers['retry-after']) > 0);
    } finally {
      await ctx.sql(`ALTER TABLE "${schemaOf(5)}".orders_away RENAME TO orders`);
    }
  });
});

test("every shard's schema is exactly what schema.prisma describes", async () => {
  const results = await compareSchemasWithDatamodel({
    schemas: Array.from({ length: SHARD_COUNT }, (_, shard) => ({
      databaseUrl: ctx.databaseUrl,
      schema: schemaOf(shard),
    })),
    schemaPath: path.join(appDir, 'prisma', 'schema.prisma'),
    createDatabase: (label) => createTestDatabase(label),
  });
  assert.equal(results.length, SHARD_COUNT);
  for (const result of results) {
    assert.ok(result.comparedObjects > 10, `${result.schema} compared ${result.comparedObjects} objects`);
    assert.deepEqual(result.differences, [], `${result.schema}:\n${result.report}`);
  }
});
