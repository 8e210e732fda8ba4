import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { migrate } from '@shop/database';
import { createMessageBroker, type MessageBroker } from '@shop/events';
import {
  createTestDatabase,
  eventually,
  getKafka,
  startAppProcess,
  startTestAuth,
  type AppProcess,
  type TestAuth,
  type TestDatabase,
} from '@shop/testing';
import pg from 'pg';
import { SandboxPaymentProvider } from '../../src/data-access/sandbox.provider.ts';
import { migrationsDir } from '../helper.ts';
import { startOrderStub, type OrderStub } from '../support/order-stub.ts';
import {
  SANDBOX_TEST_API_KEY,
  SANDBOX_TEST_WEBHOOK_SECRET,
  startSandboxProcess,
  type SandboxProcess,
} from '../support/sandbox-process.ts';

// The payment service as its own process against the sandbox process, without webhooks, so only a retry
// of the key or the completer can settle what a crash or a timeout left processing.
const SANDBOX_DELAY_MS = 3_000;
let sandbox: SandboxProcess;
let db: TestDatabase;
let auth: TestAuth;
let orders: OrderStub;
let kafka: MessageBroker;
let payment: AppProcess;
let inspector: SandboxPaymentProvider;
let sql: pg.Pool;

async function startPaymentProcess(env: Record<string, string>): Promise<AppProcess> {
  const { brokers } = await getKafka();
  return startAppProcess({
    app: 'payment',
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PAYMENT_DATABASE_URL: db.url,
      AUTH_JWKS_URL: auth.jwksUrl,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PARTITIONS: '1',
      KAFKA_NAMESPACE: namespace,
      ORDER_SERVICE_URL: orders.url,
      ...auth.serviceClientEnv('payment'),
      PAYMENT_PROVIDER_URL: sandbox.url,
      PAYMENT_PROVIDER_API_KEY: SANDBOX_TEST_API_KEY,
      PAYMENT_PROVIDER_WEBHOOK_SECRET: SANDBOX_TEST_WEBHOOK_SECRET,
      PAYMENT_RECONCILE_INTERVAL_MS: '0',
      ...env,
    },
  });
}

const namespace = `test-${randomUUID().slice(0, 8)}`;

before(async () => {
  const { brokers } = await getKafka();
  [sandbox, db, auth] = await Promise.all([
    startSandboxProcess({ SANDBOX_TIMEOUT_DELAY_MS: String(SANDBOX_DELAY_MS) }),
    createTestDatabase('payment-crash'),
    startTestAuth(),
  ]);
  orders = await startOrderStub(auth);
  await migrate({ databaseUrl: db.url, migrationsDir });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
  kafka = createMessageBroker({
    clientId: 'payment-crash-test',
    kafkaBrokers: brokers,
    topics: { numPartitions: 1, replicationFactor: 1 },
    namespace,
  });
  inspector = new SandboxPaymentProvider({
    baseUrl: sandbox.url,
    apiKey: SANDBOX_TEST_API_KEY,
    webhookSecret: SANDBOX_TEST_WEBHOOK_SECRET,
  });
});
after(async () => {
  await payment?.dispose();
  await inspector?.close();
  await kafka?.close();
  await sql?.end();
  await orders?.close();
  await auth?.close();
  await sandbox?.close();
  await db?.drop();
});

async function chargesOf(reference: string) {
  const page = await inspector.listCharges({
    from: new Date(Date.now() - 3_600_000),
    to: new Date(Date.now() + 60_000),
    limit: 100,
  });
  return page.charges.filter((charge) => charge.reference === reference);
}

async function eventsOf(type: string, subject: string): Promise<unknown[]> {
  const found: unknown[] = [];
  for await (const message of kafka.readTopic('payment-events')) {
    const event = message.value ? (JSON.parse(message.value) as Record<string, unknown>) : {};
    if (event['type'] === type && event['subject'] === subject) found.push(event);
  }
  return found;
}

function post(url: string, headers: Record<string, string>, body: object): Promise<Response> {
  return fetch(`${url}/api/v1/payments`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

test('when the payment process is killed after the provider charged and before it recorded, then the retry of the key finds the one charge and the payment succeeds once', async () => {
  // The provider's timeout is longer than the sandbox's late answer, so the process is still waiting in
  // phase 2 when it dies: the charge exists, our commit has not happened.
  payment = await startPaymentProcess({
    PAYMENT_PROVIDER_TIMEOUT_MS: '8000',
    ORDER_TIMEOUT_MS: '500',
    IDEMPOTENCY_LOCK_TIMEOUT_MS: '10000',
    PAYMENT_COMPLETER_AFTER_MS: '600000',
  });
  const customer = randomUUID();
  const headers = await auth.bearer(['customer'], { subject: customer });
  const order = orders.add(customer);
  const key = randomUUID();
  const body = { orderId: order.id, paymentMethod: 'pm_card_timeout' };
  const first = post(payment.url, { ...headers, 'idempotency-key': key }, body).catch(
    (error: unknown) => error,
  );

  const paymentId = await eventually('the payment row of phase 1', async () => {
    const { rows } = await sql.query<{ id: string }>('SELECT id FROM payments WHERE order_id = $1', [
      order.id,
    ]);
    return rows[0]?.id ?? false;
  });
  await eventually('the charge at the sandbox', async () => (await chargesOf(paymentId)).length === 1);
  // SIGKILL, not a graceful stop: the process gets no chance to finish. Its pid is in its scratch dir.
  const pid = Number((await readFile(path.join(path.dirname(payment.logFile), 'server.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGKILL');
  await eventually('the killed process to be gone', () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  // Lets the kit see the exit (its child handle clears), so start() launches a new process.
  await delay(500);
  assert.ok((await first) instanceof Error, 'the first request never got its answer');
  const { rows: left } = await sql.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [
    paymentId,
  ]);
  assert.equal(left[0]?.status, 'processing');

  await payment.start();
  // The dead attempt's key is locked until its lock times out; the retry is answered 409 until then.
  let retry: Response;
  for (;;) {
    retry = await post(payment.url, { ...headers, 'idempotency-key': key }, body);
    if (retry.status !== 409) break;
    await delay(500);
  }
  const answer = (await retry.json()) as { id: string; status: string };
  assert.equal(retry.status, 201);
  assert.equal(answer.id, paymentId);
  assert.equal(answer.status, 'succeeded');
  assert.equal((await chargesOf(paymentId)).length, 1);
  await eventually('payment.succeeded.v1 after the recovery', async () => {
    assert.equal((await eventsOf('payment.succeeded.v1', order.id)).length, 1);
  });
  // Published once, not once per attempt: a second look after the relay had time still finds one.
  await delay(1_500);
  assert.equal((await eventsOf('payment.succeeded.v1', order.id)).length, 1);
  await payment.dispose();
});

test('when the sandbox answers a timeout card past our timeout, then the client sees processing and the completer settles it once', async () => {
  payment = await startPaymentProcess({
    PAYMENT_PROVIDER_TIMEOUT_MS: '1000',
    ORDER_TIMEOUT_MS: '500',
    IDEMPOTENCY_LOCK_TIMEOUT_MS: '10000',
    PAYMENT_COMPLETER_INTERVAL_MS: '200',
    PAYMENT_COMPLETER_AFTER_MS: '1500',
  });
  const customer = randomUUID();
  const headers = await auth.bearer(['customer'], { subject: customer });
  const order = orders.add(customer);
  const res = await post(
    payment.url,
    { ...headers, 'idempotency-key': randomUUID() },
    {
      orderId: order.id,
      paymentMethod: 'pm_card_timeout',
    },
  );
  const body = (await res.json()) as { id: string; status: string };
  assert.equal(res.status, 202);
  assert.equal(body.status, 'processing');

  await eventually('the completer to settle the payment', async () => {
    const read = await fetch(`${payment.url}/api/v1/payments/${body.id}`, { headers });
    assert.equal(((await read.json()) as { status: string }).status, 'succeeded');
  });
  assert.equal((await chargesOf(body.id)).length, 1);
  await eventually('payment.succeeded.v1 from the completer', async () => {
    assert.equal((await eventsOf('payment.succeeded.v1', order.id)).length, 1);
  });
  await payment.dispose();
});
