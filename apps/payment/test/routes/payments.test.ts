import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually } from '@shop/testing';
import pg from 'pg';
import type { MemoryPaymentProvider } from '../../src/data-access/memory.provider.ts';
import { startPayment, type PaymentTestContext } from '../helper.ts';

let ctx: PaymentTestContext;
before(async () => {
  ctx = await startPayment();
});
after(() => ctx.close());

const problem = /^application\/problem\+json/;

async function pay(headers: Record<string, string>, body: object, key: string = randomUUID()) {
  return ctx.http.post('/api/v1/payments').set(headers).set('idempotency-key', key).send(body);
}

async function countCharges(reference: string): Promise<number> {
  const page = await ctx.provider.listCharges({
    from: new Date(0),
    to: new Date(Date.now() + 60_000),
    limit: 100,
  });
  return page.charges.filter((charge) => charge.reference === reference).length;
}

test('when a customer pays their pending order with a good card, then it succeeds with the order amount and says so once', async () => {
  const customer = randomUUID();
  const order = ctx.orders.add(customer, { total: { amount: 4_999, currency: 'EUR' } });
  const res = await pay(await ctx.customer(customer), { orderId: order.id, paymentMethod: 'pm_card_visa' });

  assert.equal(res.status, 201);
  assert.equal(res.body.status, 'succeeded');
  assert.deepEqual(res.body.amount, { amount: 4_999, currency: 'EUR' });
  assert.equal(res.body.customerId, customer);
  assert.equal(res.headers['location'], `/api/v1/payments/${res.body.id}`);
  const [row] = await ctx.sql<{
    status: string;
    amount: number;
    live_order_id: string;
    provider_charge_id: string;
  }>('SELECT status, amount, live_order_id, provider_charge_id FROM payments WHERE id = $1', [res.body.id]);
  assert.equal(row?.status, 'succeeded');
  assert.equal(row?.live_order_id, order.id);
  assert.match(row?.provider_charge_id ?? '', /^ch_/);
  assert.equal(await countCharges(res.body.id), 1);
  await eventually('the payment.succeeded.v1 event', async () => {
    const events = await ctx.eventsOf('payment-events', 'payment.succeeded.v1', order.id);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.['data'], {
      paymentId: res.body.id,
      orderId: order.id,
      amount: { amount: 4_999, currency: 'EUR' },
    });
  });
});

test('when a card is declined or short of funds, then the payment fails with the reason and the order stays payable', async () => {
  for (const [paymentMethod, reason] of [
    ['pm_card_declined', 'card_declined'],
    ['pm_card_insufficient_funds', 'insufficient_funds'],
  ] as const) {
    const customer = randomUUID();
    const headers = await ctx.customer(customer);
    const order = ctx.orders.add(customer);
    const failed = await pay(headers, { orderId: order.id, paymentMethod });
    assert.equal(failed.status, 201);
    assert.equal(failed.body.status, 'failed');
    assert.equal(failed.body.failureReason, reason);
    await eventually('the payment.failed.v1 event', async () => {
      const events = await ctx.eventsOf('payment-events', 'payment.failed.v1', order.id);
      assert.equal(events.length, 1);
      assert.equal((events[0]?.['data'] as { reason: string }).reason, reason);
    });
    const retried = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' });
    assert.equal(retried.status, 201);
    assert.equal(retried.body.status, 'succeeded');
  }
});

test('when the same key and body come again, then the first answer is replayed byte for byte and nothing is charged again', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const key = randomUUID();
  const first = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' }, key);
  const again = await pay(headers, { paymentMethod: 'pm_card_visa', orderId: order.id }, key);

  assert.equal(again.status, first.status);
  assert.equal(again.text, first.text);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(await countCharges(first.body.id), 1);
  const [count] = await ctx.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
    [order.id],
  );
  assert.equal(count?.n, 1);
});

test('when the same key comes with another body, or without a key, then it is refused and nothing is charged', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const key = randomUUID();
  await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_declined' }, key);
  const reused = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' }, key);
  assert.equal(reused.status, 422);
  assert.equal(reused.body.code, 'IDEMPOTENCY_ERR_KEY_REUSED');

  const other = ctx.orders.add(customer);
  const missing = await ctx.http
    .post('/api/v1/payments')
    .set(headers)
    .send({ orderId: other.id, paymentMethod: 'pm_card_visa' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.code, 'IDEMPOTENCY_ERR_KEY_MISSING');
  const [count] = await ctx.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
    [other.id],
  );
  assert.equal(count?.n, 0);
});

test("when another customer sends the same key, then it is their own key: their order is paid, not the first one's answer", async () => {
  const key = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  const first = await pay(
    await ctx.customer(a),
    { orderId: ctx.orders.add(a).id, paymentMethod: 'pm_card_visa' },
    key,
  );
  const orderOfB = ctx.orders.add(b);
  const second = await pay(
    await ctx.customer(b),
    { orderId: orderOfB.id, paymentMethod: 'pm_card_visa' },
    key,
  );

  assert.equal(second.status, 201);
  assert.equal(second.headers['idempotent-replayed'], undefined);
  assert.notEqual(second.body.id, first.body.id);
  assert.equal(second.body.orderId, orderOfB.id);
});

test("when the order is someone else's, unknown, not pending or paid already, then it is refused and the provider is never asked", async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const cases = [
    { orderId: ctx.orders.add(randomUUID()).id, status: 404, code: 'PAYMENT_ERR_ORDER_NOT_FOUND' },
    { orderId: randomUUID(), status: 404, code: 'PAYMENT_ERR_ORDER_NOT_FOUND' },
    {
      orderId: ctx.orders.add(customer, { status: 'CANCELLED' }).id,
      status: 409,
      code: 'PAYMENT_ERR_ORDER_NOT_PAYABLE',
    },
    {
      orderId: ctx.orders.add(customer, { status: 'PAID', paymentId: randomUUID() }).id,
      status: 409,
      code: 'PAYMENT_ERR_ORDER_ALREADY_PAID',
    },
  ];
  for (const { orderId, status, code } of cases) {
    const res = await pay(headers, { orderId, paymentMethod: 'pm_card_visa' });
    assert.equal(res.status, status, code);
    assert.match(res.headers['content-type'] ?? '', problem);
    assert.equal(res.body.code, code);
    const [count] = await ctx.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
      [orderId],
    );
    assert.equal(count?.n, 0);
  }
});

test('when an order has a succeeded payment, then a payment with another key is refused by the one-live-payment rule', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const first = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' });
  const second = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' });

  assert.equal(second.status, 409);
  assert.equal(second.body.code, 'PAYMENT_ERR_ORDER_HAS_LIVE_PAYMENT');
  assert.equal(second.body.paymentId, first.body.id);
  const [count] = await ctx.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
    [order.id],
  );
  assert.equal(count?.n, 1);
});

test('when 20 requests with different keys race for one order, then the database lets exactly one charge', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' })),
  );
  assert.equal(answers.filter((res) => res.status === 201).length, 1);
  assert.ok(answers.every((res) => res.status === 201 || res.status === 409));
  const [count] = await ctx.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
    [order.id],
  );
  assert.equal(count?.n, 1);
});

test('when the provider cannot be reached, then 503 with Retry-After, nothing charged, and the same key pays once it is back', async () => {
  const provider = ctx.provider as MemoryPaymentProvider;
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const key = randomUUID();
  provider.setAvailable(false);
  let down;
  try {
    down = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' }, key);
  } finally {
    provider.setAvailable(true);
  }
  assert.equal(down.status, 503);
  assert.equal(down.body.code, 'PAYMENT_ERR_PROVIDER_UNAVAILABLE');
  assert.ok(Number(down.headers['retry-after']) >= 1);
  const [row] = await ctx.sql<{ status: string; failure_code: string; live_order_id: string | null }>(
    'SELECT status, failure_code, live_order_id FROM payments WHERE id = $1',
    [down.body.paymentId],
  );
  assert.deepEqual(row, { status: 'failed', failure_code: 'provider_unavailable', live_order_id: null });

  const back = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' }, key);
  assert.equal(back.status, 201);
  assert.equal(back.body.id, down.body.paymentId);
  assert.equal(back.body.status, 'succeeded');
  assert.equal(await countCharges(back.body.id), 1);
});

test('when 20 retries race after a provider outage, then none is a 500 and the order is charged once', async () => {
  const provider = ctx.provider as MemoryPaymentProvider;
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const body = { orderId: order.id, paymentMethod: 'pm_card_visa' };
  // The customer's client tried 20 times during the outage, each try with a key of its own.
  const keys = Array.from({ length: 20 }, () => randomUUID());
  provider.setAvailable(false);
  try {
    for (const key of keys) assert.equal((await pay(headers, body, key)).status, 503);
  } finally {
    provider.setAvailable(true);
  }
  // The retries of those keys race: holding their rows makes the reopens meet at the same point, so each
  // checks "no live payment of the order" before any of them has committed one.
  const holder = new pg.Client({ connectionString: ctx.databaseUrl });
  await holder.connect();
  let answers;
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM payments WHERE order_id = $1 FOR UPDATE', [order.id]);
    const racing = Promise.all(keys.map((key) => pay(headers, body, key)));
    // Asked on another connection: within the holder's transaction pg_stat_activity would stay as first read.
    await eventually('two reopens waiting on the held rows', async () => {
      const [row] = await ctx.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE payments SET status%'`,
      );
      return (row?.n ?? 0) >= 2;
    });
    await holder.query('COMMIT');
    answers = await racing;
  } finally {
    await holder.end();
  }
  const statuses = answers.map((res) => res.status);
  assert.ok(
    statuses.every((status) => status === 201 || status === 409),
    `only 201 or 409, got ${statuses.join(', ')}`,
  );
  const paid = answers.filter((res) => res.status === 201);
  assert.equal(paid.length, 1, 'one retry pays the order');
  assert.equal(paid[0]?.body.status, 'succeeded');
  for (const res of answers.filter((answer) => answer.status === 409))
    assert.equal(res.body.code, 'PAYMENT_ERR_ORDER_HAS_LIVE_PAYMENT');
  const ids = await ctx.sql<{ id: string; status: string }>(
    'SELECT id, status FROM payments WHERE order_id = $1',
    [order.id],
  );
  assert.equal(ids.length, keys.length, 'a payment per key, each reopened by its own key only');
  assert.equal(ids.filter((row) => row.status !== 'failed').length, 1, 'one live payment');
  let charges = 0;
  for (const { id } of ids) charges += await countCharges(id);
  assert.equal(charges, 1, 'one charge at the provider');
});

test('when the provider does not know the payment method, then 422 and the order stays payable', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const res = await pay(headers, { orderId: order.id, paymentMethod: 'pm_no_such_card' });
  assert.equal(res.status, 422);
  assert.equal(res.body.code, 'PAYMENT_ERR_PAYMENT_METHOD_REFUSED');
  const ok = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' });
  assert.equal(ok.status, 201);
});

test('when the charge answers processing, then the client gets 202 and the webhook settles it to succeeded once', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const res = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_processing' });
  assert.equal(res.status, 202);
  assert.equal(res.body.status, 'processing');

  await eventually('the webhook to settle the payment', async () => {
    const read = await ctx.http.get(`/api/v1/payments/${res.body.id}`).set(headers).expect(200);
    assert.equal(read.body.status, 'succeeded');
  });
  await eventually('the payment.succeeded.v1 event', async () => {
    const events = await ctx.eventsOf('payment-events', 'payment.succeeded.v1', order.id);
    assert.equal(events.length, 1);
  });
});

test('when a payment is read, then its customer and admins see it, another customer gets 404, and the order lists only theirs', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const declined = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_declined' });
  const paid = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' });

  const own = await ctx.http.get(`/api/v1/payments/${paid.body.id}`).set(headers).expect(200);
  assert.equal(own.text, paid.text);
  await ctx.http
    .get(`/api/v1/payments/${paid.body.id}`)
    .set(await ctx.admin())
    .expect(200);
  const other = await ctx.http
    .get(`/api/v1/payments/${paid.body.id}`)
    .set(await ctx.customer())
    .expect(404);
  assert.equal(other.body.code, 'PAYMENT_ERR_NOT_FOUND');

  const listed = await ctx.http.get(`/api/v1/payments?orderId=${order.id}`).set(headers).expect(200);
  assert.deepEqual(
    listed.body.payments.map((p: { id: string }) => p.id),
    [declined.body.id, paid.body.id],
  );
  const stranger = await ctx.http
    .get(`/api/v1/payments?orderId=${order.id}`)
    .set(await ctx.customer())
    .expect(200);
  assert.deepEqual(stranger.body.payments, []);
});

test('when the input is bad, then 400 problem+json and nothing is stored', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const bodies = [
    {},
    { orderId: order.id },
    { orderId: 'not-a-uuid', paymentMethod: 'pm_card_visa' },
    { orderId: order.id.toUpperCase(), paymentMethod: 'pm_card_visa' },
    { orderId: order.id, paymentMethod: 'card_4242424242424242' },
    { orderId: order.id, paymentMethod: 'pm_card\u0000visa' },
    { orderId: order.id, paymentMethod: `pm_${'a'.repeat(65)}` },
    { orderId: order.id, paymentMethod: 'pm_card_visa', amount: 1 },
  ];
  for (const body of bodies) {
    const res = await pay(headers, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(res.headers['content-type'] ?? '', problem);
  }
  await ctx.http.get('/api/v1/payments/not-a-uuid').set(headers).expect(400);
  await ctx.http.get('/api/v1/payments?orderId=x').set(headers).expect(400);
  await ctx.http
    .post('/api/v1/payments')
    .send({ orderId: order.id, paymentMethod: 'pm_card_visa' })
    .expect(401);
  const [count] = await ctx.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
    [order.id],
  );
  assert.equal(count?.n, 0);
  const [keys] = await ctx.sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM idempotency_keys WHERE scope = $1',
    [customer],
  );
  assert.equal(keys?.n, 0);
});
