import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DEV_SANDBOX_WEBHOOK_SECRET } from '@shop/contracts';
import { eventually } from '@shop/testing';
import { signSandboxPayload } from '../../src/data-access/sandbox.provider.ts';
import { startPayment, type PaymentTestContext } from '../helper.ts';

let ctx: PaymentTestContext;
before(async () => {
  ctx = await startPayment();
});
after(() => ctx.close());

const post = (rawBody: string, signature?: string) => {
  const req = ctx.http.post('/api/v1/payments/webhooks/sandbox').set('content-type', 'application/json');
  return (signature === undefined ? req : req.set('sandbox-signature', signature)).send(rawBody);
};

async function settledByWebhook() {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const res = await ctx.http
    .post('/api/v1/payments')
    .set(headers)
    .set('idempotency-key', randomUUID())
    .send({ orderId: order.id, paymentMethod: 'pm_card_processing' })
    .expect(202);
  const delivery = await eventually(
    'the charge.succeeded webhook',
    () =>
      ctx.webhooks.find((d) => d.rawBody.includes(res.body.id) && d.rawBody.includes('charge.succeeded')) ??
      false,
  );
  await eventually('the webhook to settle the payment', async () => {
    const read = await ctx.http.get(`/api/v1/payments/${res.body.id}`).set(headers).expect(200);
    assert.equal(read.body.status, 'succeeded');
  });
  return { order, payment: res.body as { id: string }, delivery };
}

async function stateOf(paymentId: string) {
  const [row] = await ctx.sql<{ status: string; updated_at: Date }>(
    'SELECT status, updated_at FROM payments WHERE id = $1',
    [paymentId],
  );
  const [events] = await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM processed_webhook_events');
  return { row, events: events?.n };
}

test('when a signed webhook settles a processing payment, then it is applied once and its replay is refused with 400', async () => {
  const { order, payment, delivery } = await settledByWebhook();
  const before = await stateOf(payment.id);
  const replay = await post(delivery.rawBody, delivery.signatureHeader);
  assert.equal(replay.status, 400);
  assert.match(replay.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(replay.body.code, 'PAYMENT_ERR_WEBHOOK_REPLAYED');
  assert.deepEqual(await stateOf(payment.id), before);
  await eventually('payment.succeeded.v1 of the webhook', async () => {
    assert.equal((await ctx.eventsOf('payment-events', 'payment.succeeded.v1', order.id)).length, 1);
  });
});

test('when a webhook is unsigned, forged, signed with another secret or stale, then 400 and nothing changes', async () => {
  const { payment, delivery } = await settledByWebhook();
  const before = await stateOf(payment.id);
  const event = JSON.parse(delivery.rawBody) as { id: string; data: { object: { status: string } } };
  const fresh = { ...event, id: `evt_${randomUUID().replaceAll('-', '')}` };
  const freshBody = JSON.stringify(fresh);
  const now = Math.floor(Date.now() / 1000);
  const tampered = JSON.stringify({ ...fresh, data: { object: { ...event.data.object, status: 'failed' } } });

  for (const [rawBody, signature] of [
    [freshBody, undefined],
    [freshBody, ''],
    [freshBody, 't=abc,v1=zz'],
    [tampered, signSandboxPayload(freshBody, DEV_SANDBOX_WEBHOOK_SECRET, now)],
    [freshBody, signSandboxPayload(freshBody, 'whsec_someone_elses_secret_0123456789', now)],
    [freshBody, signSandboxPayload(freshBody, DEV_SANDBOX_WEBHOOK_SECRET, now - 3_600)],
  ] as const) {
    const res = await post(rawBody, signature);
    assert.equal(res.status, 400, `${signature}`);
    assert.equal(res.body.code, 'PAYMENT_ERR_WEBHOOK_REJECTED');
  }
  assert.deepEqual(await stateOf(payment.id), before);

  // The same fresh event signed right is accepted (so the refusals above were the signatures', not the body's).
  const ok = await post(freshBody, signSandboxPayload(freshBody, DEV_SANDBOX_WEBHOOK_SECRET, now));
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { received: true, eventId: fresh.id, applied: false });
});
