import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { OrderRefundRequestedV1 } from '@shop/contracts';
import { eventually, findFreePort } from '@shop/testing';
import { startPayment, type PaymentTestContext } from '../helper.ts';
import {
  SANDBOX_TEST_API_KEY,
  SANDBOX_TEST_WEBHOOK_SECRET,
  startSandboxProcess,
  type SandboxProcess,
} from '../support/sandbox-process.ts';

// The payment service in this process against the real sandbox as its own process, which delivers its
// webhooks to the service's listening port.
let sandbox: SandboxProcess;
let ctx: PaymentTestContext;
let sandboxEnv: Record<string, string>;

before(async () => {
  const port = await findFreePort();
  sandbox = await startSandboxProcess({
    SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${port}/api/v1/payments/webhooks/sandbox`,
    SANDBOX_PROCESSING_DELAY_MS: '500',
  });
  sandboxEnv = {
    PAYMENT_PROVIDER_URL: sandbox.url,
    PAYMENT_PROVIDER_API_KEY: SANDBOX_TEST_API_KEY,
    PAYMENT_PROVIDER_WEBHOOK_SECRET: SANDBOX_TEST_WEBHOOK_SECRET,
  };
  ctx = await startPayment({
    provider: 'config',
    env: {
      ...sandboxEnv,
      // Generous: on a loaded machine a visa charge must not turn into an outcome-unknown 202 here (the
      // timeout path has its own test, crash-recovery.test.ts).
      PAYMENT_PROVIDER_TIMEOUT_MS: '8000',
      PAYMENT_COMPLETER_INTERVAL_MS: '200',
      PAYMENT_COMPLETER_AFTER_MS: '9000',
      IDEMPOTENCY_LOCK_TIMEOUT_MS: '20000',
    },
  });
  await ctx.app.listen({ host: '127.0.0.1', port });
  // A cold sandbox's first answers are slow; warm it so no test meets a timeout it did not ask for.
  await ctx.provider.listCharges({ from: new Date(0), to: new Date(), limit: 1 });
});
after(async () => {
  await ctx?.close();
  await sandbox?.close();
});

async function pay(headers: Record<string, string>, body: object, key: string = randomUUID()) {
  return ctx.http.post('/api/v1/payments').set(headers).set('idempotency-key', key).send(body);
}

async function chargesOf(reference: string) {
  const found = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.provider.listCharges({
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 60_000),
      limit: 100,
      ...(cursor === undefined ? {} : { cursor }),
    });
    found.push(...page.charges.filter((charge) => charge.reference === reference));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return found;
}

async function paidOrder(amount = 1_250) {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer, { total: { amount, currency: 'USD' } });
  const res = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' });
  assert.equal(res.status, 201);
  assert.equal(res.body.status, 'succeeded');
  return { customer, headers, order, payment: res.body as { id: string } };
}

test('when a payment is retried with its key (same body, other body, another customer), then the sandbox is charged once and the answers follow the draft', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const key = randomUUID();
  const first = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' }, key);
  const replay = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' }, key);
  const reused = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_declined' }, key);
  const missing = await ctx.http
    .post('/api/v1/payments')
    .set(headers)
    .send({ orderId: order.id, paymentMethod: 'pm_card_visa' });
  const stranger = randomUUID();
  const theirs = await pay(
    await ctx.customer(stranger),
    { orderId: ctx.orders.add(stranger).id, paymentMethod: 'pm_card_visa' },
    key,
  );

  assert.equal(first.status, 201);
  assert.equal(replay.status, 201);
  assert.equal(replay.text, first.text);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(reused.status, 422);
  assert.equal(missing.status, 400);
  assert.equal(theirs.status, 201);
  assert.notEqual(theirs.body.id, first.body.id);
  assert.equal((await chargesOf(first.body.id)).length, 1);
});

test('when 20 requests with one key arrive at once, then the sandbox holds exactly one charge and the rest are 409 or the replay', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const key = randomUUID();
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => pay(headers, { orderId: order.id, paymentMethod: 'pm_card_visa' }, key)),
  );
  const done = answers.filter((res) => res.status === 201);
  assert.ok(done.length >= 1);
  assert.ok(answers.every((res) => res.status === 201 || res.status === 409));
  assert.ok(done.every((res) => res.text === done[0]!.text));
  assert.equal((await chargesOf(done[0]!.body.id)).length, 1);
});

test('when the sandbox answers processing, then the client sees processing and its webhook or the completer settles it once', async () => {
  const customer = randomUUID();
  const headers = await ctx.customer(customer);
  const order = ctx.orders.add(customer);
  const res = await pay(headers, { orderId: order.id, paymentMethod: 'pm_card_processing' });
  assert.equal(res.status, 202);
  assert.equal(res.body.status, 'processing');

  await eventually('the processing payment to settle', async () => {
    const read = await ctx.http.get(`/api/v1/payments/${res.body.id}`).set(headers).expect(200);
    assert.equal(read.body.status, 'succeeded');
  });
  await eventually('the sandbox webhooks to be recorded', async () => {
    const rows = await ctx.sql('SELECT event_id FROM processed_webhook_events WHERE type = $1', [
      'charge.succeeded',
    ]);
    assert.ok(rows.length >= 1);
  });
  await eventually('payment.succeeded.v1 of the processing payment', async () => {
    assert.equal((await ctx.eventsOf('payment-events', 'payment.succeeded.v1', order.id)).length, 1);
  });
});

test('when a refund asks for more than the capture, or two race for most of it, then the total never passes the capture', async () => {
  const { headers, payment } = await paidOrder(1_250);
  const refund = (amount: number) =>
    ctx.http
      .post(`/api/v1/payments/${payment.id}/refunds`)
      .set(headers)
      .set('idempotency-key', randomUUID())
      .send({ amount, reason: 'customer asked' });

  const over = await refund(1_251);
  assert.equal(over.status, 409);
  assert.equal(over.body.code, 'PAYMENT_ERR_REFUND_EXCEEDS_CAPTURE');

  const raced = await Promise.all([refund(1_000), refund(1_000)]);
  assert.deepEqual(raced.map((res) => res.status).sort(), [201, 409]);
  const [row] = await ctx.sql<{ refunded_amount: number; refund_pending_amount: number }>(
    'SELECT refunded_amount, refund_pending_amount FROM payments WHERE id = $1',
    [payment.id],
  );
  assert.deepEqual(row, { refunded_amount: 1_000, refund_pending_amount: 0 });
  const [charge] = await chargesOf(payment.id);
  assert.equal(charge?.amountRefunded, 1_000);

  const rest = await ctx.http
    .post(`/api/v1/payments/${payment.id}/refunds`)
    .set(headers)
    .set('idempotency-key', randomUUID())
    .send({ reason: 'the rest' });
  assert.equal(rest.status, 201);
  assert.deepEqual(rest.body.amount, { amount: 250, currency: 'USD' });
  const read = await ctx.http.get(`/api/v1/payments/${payment.id}`).set(headers).expect(200);
  assert.deepEqual(read.body.refunded, { amount: 1_250, currency: 'USD' });
  await eventually('two payment.refunded.v1 events', async () => {
    const [order] = await ctx.sql<{ order_id: string }>('SELECT order_id FROM payments WHERE id = $1', [
      payment.id,
    ]);
    assert.equal((await ctx.eventsOf('payment-events', 'payment.refunded.v1', order!.order_id)).length, 2);
  });
});

test("when another customer refunds someone's payment, then it is not found; an admin may refund it", async () => {
  const { payment } = await paidOrder();
  const stranger = await ctx.http
    .post(`/api/v1/payments/${payment.id}/refunds`)
    .set(await ctx.customer())
    .set('idempotency-key', randomUUID())
    .send({ reason: 'not mine' });
  assert.equal(stranger.status, 404);
  const admin = await ctx.http
    .post(`/api/v1/payments/${payment.id}/refunds`)
    .set(await ctx.admin())
    .set('idempotency-key', randomUUID())
    .send({ amount: 100, reason: 'goodwill' });
  assert.equal(admin.status, 201);
});

test('when order.refund-requested.v1 arrives twice (two deliveries, two event ids), then the payment is refunded once', async () => {
  const { customer, order, payment } = await paidOrder(2_000);
  const data = {
    orderId: order.id,
    customerId: customer,
    paymentId: payment.id,
    amount: { amount: 2_000, currency: 'USD' },
    reason: 'order-cancelled' as const,
  };
  const id = randomUUID();
  await ctx.publish(OrderRefundRequestedV1, order.id, data, id);
  await ctx.publish(OrderRefundRequestedV1, order.id, data, id);
  await ctx.publish(OrderRefundRequestedV1, order.id, data);

  await eventually('the saga refund to succeed', async () => {
    const rows = await ctx.sql<{ status: string }>('SELECT status FROM refunds WHERE payment_id = $1', [
      payment.id,
    ]);
    assert.deepEqual(rows, [{ status: 'succeeded' }]);
  });
  await eventually('payment.refunded.v1 of the saga refund', async () => {
    assert.equal((await ctx.eventsOf('payment-events', 'payment.refunded.v1', order.id)).length, 1);
  });
  const [charge] = await chargesOf(payment.id);
  assert.equal(charge?.amountRefunded, 2_000);
});

function runReconcile(args: string[]): Promise<{
  code: number;
  differences: { kind: string; paymentId: string | null; chargeId: string | null }[];
}> {
  const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['apps/payment/src/reconcile.ts', ...args], {
      cwd: root,
      env: {
        PATH: process.env['PATH'],
        NODE_ENV: 'test',
        PAYMENT_DATABASE_URL: ctx.databaseUrl,
        ...sandboxEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 2) return reject(new Error(`payments:reconcile failed: ${err}`));
      resolve({
        code: code ?? 1,
        differences: out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      });
    });
  });
}

test('when the provider has a charge we do not, and we have a succeeded payment it does not, then reconciliation reports both', async () => {
  const { payment } = await paidOrder();
  const strayReference = randomUUID();
  const stray = await ctx.provider.charge({
    idempotencyKey: `stray_${strayReference}`,
    reference: strayReference,
    amount: 700,
    currency: 'USD',
    paymentMethod: 'pm_card_visa',
  });
  const ghost = randomUUID();
  await ctx.sql(
    `INSERT INTO payments (id, order_id, live_order_id, customer_id, status, amount, currency, payment_method, provider)
     VALUES ($1, $2, $2, $3, 'succeeded', 900, 'USD', 'pm_card_visa', 'sandbox')`,
    [ghost, randomUUID(), randomUUID()],
  );

  const { code, differences } = await runReconcile(['--hours', '1']);
  assert.equal(code, 1);
  assert.ok(differences.some((d) => d.kind === 'charge_unknown_to_us' && d.chargeId === stray.id));
  assert.ok(differences.some((d) => d.kind === 'payment_missing_at_provider' && d.paymentId === ghost));
  assert.ok(!differences.some((d) => d.paymentId === payment.id));
});
