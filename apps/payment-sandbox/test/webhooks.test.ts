import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '@shop/testing';
import {
  asAccount,
  newKey,
  signatureHolds,
  startPaymentSandbox,
  startWebhookReceiver,
  visaCharge,
} from './helper.ts';

interface EventBody {
  id: string;
  type: string;
  created: number;
  data: { object: { id: string; status: string; amountRefunded: number } };
}

const parse = (body: string) => JSON.parse(body) as EventBody;

test('when charges reach a final state and are refunded, then each event is delivered once, signed', async (t) => {
  const receiver = await startWebhookReceiver();
  const ctx = await startPaymentSandbox({
    SANDBOX_WEBHOOK_URL: receiver.url,
    SANDBOX_PROCESSING_DELAY_MS: '200',
  });
  t.after(async () => {
    await ctx.close();
    await receiver.close();
  });
  const charge = async (paymentMethod: string) =>
    (
      await ctx.http
        .post('/v1/charges')
        .set(asAccount)
        .set('idempotency-key', newKey())
        .send(visaCharge({ paymentMethod }))
        .expect(201)
    ).body as { id: string };
  const visa = await charge('pm_card_visa');
  const declined = await charge('pm_card_declined');
  const processing = await charge('pm_card_processing');
  await ctx.http
    .post('/v1/refunds')
    .set(asAccount)
    .set('idempotency-key', newKey())
    .send({ charge: visa.id, amount: 5 })
    .expect(201);

  await eventually('four webhooks', () => receiver.received.length >= 4, { timeoutMs: 20_000 });
  const events = receiver.received.map((webhook) => ({ webhook, event: parse(webhook.body) }));
  const byCharge = (id: string) =>
    events.filter(({ event }) => event.data.object.id === id).map(({ event }) => event.type);
  assert.deepEqual(byCharge(visa.id).sort(), ['charge.refunded', 'charge.succeeded']);
  assert.deepEqual(byCharge(declined.id), ['charge.failed']);
  assert.deepEqual(byCharge(processing.id), ['charge.succeeded']);
  const settled = events.find(({ event }) => event.data.object.id === processing.id)!.event;
  assert.equal(settled.data.object.status, 'succeeded');
  const refundEvent = events.find(({ event }) => event.type === 'charge.refunded')!.event;
  assert.equal(refundEvent.data.object.amountRefunded, 5);
  for (const { webhook, event } of events) {
    assert.ok(signatureHolds(webhook), `the signature of ${event.type} holds`);
    assert.equal(signatureHolds(webhook, 'whsec_some_other_secret_0123456789'), false);
    assert.match(event.id, /^evt_[0-9a-f]{24}$/);
    assert.equal(webhook.headers['content-type'], 'application/json');
  }
  assert.equal(new Set(events.map(({ event }) => event.id)).size, 4);
  const rows = await ctx.sql<{ status: string; attempts: number }>(
    'SELECT status::text, attempts FROM webhook_events',
  );
  assert.deepEqual(
    rows.map((row) => [row.status, row.attempts]),
    Array.from({ length: 4 }, () => ['delivered', 1]),
  );
});

test('when the receiver answers 500, then the webhook is redelivered with backoff, signed each time, until it is taken', async (t) => {
  const receiver = await startWebhookReceiver((attempt) => (attempt <= 2 ? 500 : 200));
  const ctx = await startPaymentSandbox({
    SANDBOX_WEBHOOK_URL: receiver.url,
    SANDBOX_WEBHOOK_RETRY_BASE_MS: '50',
  });
  t.after(async () => {
    await ctx.close();
    await receiver.close();
  });
  await ctx.http
    .post('/v1/charges')
    .set(asAccount)
    .set('idempotency-key', newKey())
    .send(visaCharge())
    .expect(201);
  await eventually('a third delivery', () => receiver.received.length >= 3, { timeoutMs: 20_000 });
  const bodies = new Set(receiver.received.map((webhook) => webhook.body));
  assert.equal(bodies.size, 1, 'the same event each time');
  assert.ok(receiver.received.every((webhook) => signatureHolds(webhook)));
  await eventually('the event marked delivered', async () => {
    const [row] = await ctx.sql<{ status: string; attempts: number; last_error: string | null }>(
      'SELECT status::text, attempts, last_error FROM webhook_events',
    );
    assert.deepEqual(row, { status: 'delivered', attempts: 3, last_error: null });
  });
  assert.equal(receiver.received.length, 3, 'not delivered again once taken');
});

test('when the receiver keeps failing, then the webhook is marked failed after its last attempt', async (t) => {
  const receiver = await startWebhookReceiver(() => 503);
  const ctx = await startPaymentSandbox({
    SANDBOX_WEBHOOK_URL: receiver.url,
    SANDBOX_WEBHOOK_RETRY_BASE_MS: '10',
    SANDBOX_WEBHOOK_MAX_ATTEMPTS: '3',
  });
  t.after(async () => {
    await ctx.close();
    await receiver.close();
  });
  await ctx.http
    .post('/v1/charges')
    .set(asAccount)
    .set('idempotency-key', newKey())
    .send(visaCharge())
    .expect(201);
  await eventually('the event marked failed', async () => {
    const [row] = await ctx.sql<{ status: string; attempts: number; last_error: string }>(
      'SELECT status::text, attempts, last_error FROM webhook_events',
    );
    assert.deepEqual(row, { status: 'failed', attempts: 3, last_error: 'the receiver answered 503' });
  });
  assert.equal(receiver.received.length, 3);
});

test('when the deliverer died mid-send, then the event is sent again once its lease ends', async (t) => {
  const receiver = await startWebhookReceiver();
  const ctx = await startPaymentSandbox({
    SANDBOX_WEBHOOK_URL: receiver.url,
    SANDBOX_WEBHOOK_TIMEOUT_MS: '100',
  });
  t.after(async () => {
    await ctx.close();
    await receiver.close();
  });
  // An event leased by a deliverer that never came back: its lease (next_attempt_at) is in the past.
  await ctx.sql(
    `INSERT INTO webhook_events (id, type, payload, status, attempts, next_attempt_at, created_at)
     VALUES ('evt_orphan', 'charge.succeeded', '{"id":"evt_orphan"}', 'pending', 0, now() - interval '1 second', now())`,
  );
  await eventually(
    'the orphan delivered',
    () => receiver.received.some((w) => w.body === '{"id":"evt_orphan"}'),
    {
      timeoutMs: 20_000,
    },
  );
});

test('when no webhook URL is set, then no event is recorded', async (t) => {
  const ctx = await startPaymentSandbox();
  t.after(() => ctx.close());
  await ctx.http
    .post('/v1/charges')
    .set(asAccount)
    .set('idempotency-key', newKey())
    .send(visaCharge())
    .expect(201);
  const [row] = await ctx.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events');
  assert.equal(row?.n, 0);
});
