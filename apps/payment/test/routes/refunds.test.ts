import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually } from '@shop/testing';
import type { MemoryPaymentProvider } from '../../src/data-access/memory.provider.ts';
import { startPayment, type PaymentTestContext } from '../helper.ts';

// Refunds over HTTP when the provider cannot be reached or says no, and bad refund bodies: the reserved
// amount always comes back, nothing is refunded twice, and bad input stores nothing.
let ctx: PaymentTestContext;
before(async () => {
  ctx = await startPayment();
});
after(() => ctx.close());

const problem = /^application\/problem\+json/;
const provider = () => ctx.provider as MemoryPaymentProvider;

async function paidPayment(amount = 2_000) {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer, { total: { amount, currency: 'USD' } });
  const res = await ctx.http
    .post('/api/v1/payments')
    .set(headers)
    .set('idempotency-key', randomUUID())
    .send({ orderId: order.id, paymentMethod: 'pm_card_visa' })
    .expect(201);
  assert.equal(res.body.status, 'succeeded');
  return { headers, order, payment: res.body as { id: string } };
}

function refund(headers: Record<string, string>, paymentId: string, body: unknown, key = randomUUID()) {
  return ctx.http
    .post(`/api/v1/payments/${paymentId}/refunds`)
    .set(headers)
    .set('idempotency-key', key)
    .send(body as object);
}

async function amounts(paymentId: string) {
  const [row] = await ctx.sql<{ refunded: number; pending: number; charge: string }>(
    `SELECT refunded_amount AS refunded, refund_pending_amount AS pending, provider_charge_id AS charge
       FROM payments WHERE id = $1`,
    [paymentId],
  );
  assert.ok(row, `payment ${paymentId} stored`);
  return row;
}

const refundRows = (paymentId: string) =>
  ctx.sql<{ status: string; failure_code: string | null; amount: number }>(
    'SELECT status, failure_code, amount FROM refunds WHERE payment_id = $1 ORDER BY created_at',
    [paymentId],
  );

test('when the provider cannot be reached, then a refund is 503 with Retry-After, nothing is held, and the same key refunds once it is back', async () => {
  const { headers, order, payment } = await paidPayment(2_000);
  const key = randomUUID();
  provider().setAvailable(false);
  let down;
  try {
    down = await refund(headers, payment.id, { reason: 'changed my mind' }, key);
  } finally {
    provider().setAvailable(true);
  }
  assert.equal(down.status, 503);
  assert.match(down.headers['content-type'] ?? '', problem);
  assert.equal(down.body.code, 'PAYMENT_ERR_PROVIDER_UNAVAILABLE');
  assert.ok(Number(down.headers['retry-after']) >= 1);
  const held = await amounts(payment.id);
  assert.deepEqual([held.refunded, held.pending], [0, 0], 'the reserved amount is given back');
  assert.deepEqual(await refundRows(payment.id), [
    { status: 'failed', failure_code: 'provider_unavailable', amount: 2_000 },
  ]);

  const back = await refund(headers, payment.id, { reason: 'changed my mind' }, key).expect(201);
  assert.equal(back.body.id, down.body.refundId, 'the same refund, resumed by its key');
  assert.equal(back.body.status, 'succeeded');
  const { refunded, pending, charge } = await amounts(payment.id);
  assert.deepEqual({ refunded, pending }, { refunded: 2_000, pending: 0 });
  assert.equal((await provider().getCharge(charge))?.amountRefunded, 2_000, 'refunded once at the provider');
  const events = await eventually('payment.refunded.v1', async () => {
    const found = await ctx.eventsOf('payment-events', 'payment.refunded.v1', order.id);
    return found.length > 0 && found;
  });
  assert.equal(events.length, 1);
});

test('when the provider refuses a refund, then 409 PAYMENT_ERR_REFUND_REFUSED and the reserved amount comes back', async () => {
  const { headers, payment } = await paidPayment(1_500);
  const { charge } = await amounts(payment.id);
  // Refunded at the provider behind our back (its dashboard, say): it refuses another refund of the charge.
  await provider().refund({ idempotencyKey: `dashboard_${randomUUID()}`, chargeId: charge, amount: 1_500 });

  const refused = await refund(headers, payment.id, { amount: 500, reason: 'damaged' });
  assert.equal(refused.status, 409);
  assert.match(refused.headers['content-type'] ?? '', problem);
  assert.equal(refused.body.code, 'PAYMENT_ERR_REFUND_REFUSED');
  assert.equal(refused.body.providerCode, 'charge_already_refunded');
  const { refunded, pending } = await amounts(payment.id);
  assert.deepEqual({ refunded, pending }, { refunded: 0, pending: 0 });
  assert.deepEqual(await refundRows(payment.id), [
    { status: 'failed', failure_code: 'charge_already_refunded', amount: 500 },
  ]);
  assert.equal((await provider().getCharge(charge))?.amountRefunded, 1_500, 'nothing more refunded');
});

test('when a refund body or its key is bad, then 400 problem+json and nothing is stored', async () => {
  const { headers, payment } = await paidPayment(1_000);
  const keysBefore = await countKeys();
  const bad: [string, unknown][] = [
    ['no reason', { amount: 100 }],
    ['blank reason', { reason: '   ' }],
    ['NUL in the reason', { reason: 'bro\u0000ken' }],
    ['reason too long', { reason: 'x'.repeat(201) }],
    ['amount zero', { amount: 0, reason: 'r' }],
    ['amount negative', { amount: -5, reason: 'r' }],
    ['amount not an integer', { amount: 10.5, reason: 'r' }],
    ['amount past int4', { amount: 2 ** 31, reason: 'r' }],
    ['amount a string', { amount: '100', reason: 'r' }],
    ['an unknown field', { reason: 'r', currency: 'EUR' }],
    ['not an object', ['r']],
  ];
  for (const [what, body] of bad) {
    const res = await refund(headers, payment.id, body);
    assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
    assert.match(res.headers['content-type'] ?? '', problem, what);
  }
  const noKey = await ctx.http
    .post(`/api/v1/payments/${payment.id}/refunds`)
    .set(headers)
    .send({ reason: 'r' });
  assert.equal(noKey.status, 400);
  const badId = await refund(headers, 'not-a-uuid', { reason: 'r' });
  assert.equal(badId.status, 400);

  assert.deepEqual(await refundRows(payment.id), [], 'no refund stored');
  const { refunded, pending } = await amounts(payment.id);
  assert.deepEqual({ refunded, pending }, { refunded: 0, pending: 0 });
  assert.equal(await countKeys(), keysBefore, 'no idempotency key recorded for a refused body');
});

async function countKeys(): Promise<number> {
  const [row] = await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM idempotency_keys');
  return row?.n ?? 0;
}
