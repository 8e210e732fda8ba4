import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { migrate } from '@shop/database';
import {
  createTestDatabase,
  findFreePort,
  startAppProcess,
  type AppProcess,
  type TestAuth,
  type TestDatabase,
} from '@shop/testing';

// By path, not by import: an app never imports another app, tests included.
const APPS = path.resolve(import.meta.dirname, '..', '..', '..');
const PAYMENT_MIGRATIONS = path.join(APPS, 'payment', 'prisma', 'migrations');
const SANDBOX_MIGRATIONS = path.join(APPS, 'payment-sandbox', 'prisma', 'migrations');

const SANDBOX_API_KEY = 'sk_test_order_payment_tests_0123456789abcdef';
const SANDBOX_WEBHOOK_SECRET = 'whsec_order_payment_tests_0123456789abcdef';

export interface PaymentServiceOptions {
  /** The stand-in auth service every service trusts; the payment client's tokens for order come from it. */
  auth: TestAuth;
  /** Where the order service's internal read answers (its operational listener). */
  orderServiceUrl: string;
  /** The order system's Kafka, namespace and partitions, so the saga's events reach payment and back. */
  kafka: { brokers: string; namespace: string; partitions: number };
  /** More of the payment service's variables (timeouts, the completer's pace). */
  env?: Record<string, string>;
  /** More of the sandbox's variables (SANDBOX_TIMEOUT_DELAY_MS, ...). */
  sandboxEnv?: Record<string, string>;
}

/** Where the sandbox's webhooks go on their way to payment: the test can hold them back for a while. */
export interface WebhookRelay {
  /** Until resume(), every webhook is answered 503, so the sandbox redelivers it later (a late webhook). */
  pause(): void;
  resume(): void;
}

export interface PaymentService {
  /** The payment service's public origin: POST /api/v1/payments as a customer's client calls it. */
  url: string;
  /** The sandbox card processor's origin, and its API key (to read what it charged). */
  sandboxUrl: string;
  sandboxApiKey: string;
  payment: AppProcess;
  sandbox: AppProcess;
  webhooks: WebhookRelay;
  close(): Promise<void>;
}

/** Forwards each webhook (raw body and signature) to `target`, answering what it answers, unless paused. */
async function startWebhookRelay(target: string): Promise<WebhookRelay & { url: string; server: Server }> {
  let paused = false;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (paused) return void response.writeHead(503).end();
      const signature = request.headers['sandbox-signature'];
      fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(typeof signature === 'string' ? { 'sandbox-signature': signature } : {}),
        },
        body: Buffer.concat(chunks),
      }).then(
        async (answer) => response.writeHead(answer.status).end(await answer.text()),
        () => response.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/sandbox`,
    server,
    pause: () => void (paused = true),
    resume: () => void (paused = false),
  };
}

async function migrated(label: string, migrationsDir: string): Promise<TestDatabase> {
  const db = await createTestDatabase(label);
  try {
    await migrate({ databaseUrl: db.url, migrationsDir });
    return db;
  } catch (error) {
    await db.drop();
    throw error;
  }
}

/**
 * The real payment service and the real sandbox card processor, each its own process on a fresh database,
 * as production runs them: payment reads orders from `orderServiceUrl` with a service token from `auth`,
 * the sandbox sends its signed webhooks to payment, and both sides of the saga share the order's Kafka.
 */
export async function startPaymentService(options: PaymentServiceOptions): Promise<PaymentService> {
  const { auth, kafka } = options;
  const databases: TestDatabase[] = [];
  const processes: AppProcess[] = [];
  let relay: Awaited<ReturnType<typeof startWebhookRelay>> | undefined;
  const close = async () => {
    for (const app of processes.reverse()) await app.dispose();
    relay?.server.closeAllConnections();
    await new Promise((resolve) => (relay ? relay.server.close(resolve) : resolve(undefined)));
    await Promise.all(databases.map((db) => db.drop()));
  };
  try {
    const [paymentDb, sandboxDb, paymentPort] = await Promise.all([
      migrated('order-payment', PAYMENT_MIGRATIONS),
      migrated('order-payment-sandbox', SANDBOX_MIGRATIONS),
      findFreePort(),
    ]);
    databases.push(paymentDb, sandboxDb);
    relay = await startWebhookRelay(`http://127.0.0.1:${paymentPort}/api/v1/payments/webhooks/sandbox`);
    const sandbox = await startAppProcess({
      app: 'payment-sandbox',
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PAYMENT_SANDBOX_DATABASE_URL: sandboxDb.url,
        SANDBOX_API_KEY,
        SANDBOX_WEBHOOK_SECRET,
        // Through the relay to payment, which listens a moment later: an early webhook is redelivered.
        SANDBOX_WEBHOOK_URL: relay.url,
        SANDBOX_WORKER_INTERVAL_MS: '50',
        SANDBOX_WEBHOOK_RETRY_BASE_MS: '200',
        ...options.sandboxEnv,
      },
    });
    processes.push(sandbox);
    const payment = await startAppProcess({
      app: 'payment',
      port: paymentPort,
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PAYMENT_DATABASE_URL: paymentDb.url,
        AUTH_JWKS_URL: auth.jwksUrl,
        AUTH_ISSUER: auth.issuer,
        AUTH_AUDIENCE: auth.audience,
        KAFKA_BROKERS: kafka.brokers,
        KAFKA_NAMESPACE: kafka.namespace,
        KAFKA_TOPIC_PARTITIONS: String(kafka.partitions),
        ORDER_SERVICE_URL: options.orderServiceUrl,
        ...auth.serviceClientEnv('payment'),
        PAYMENT_PROVIDER_URL: sandbox.url,
        PAYMENT_PROVIDER_API_KEY: SANDBOX_API_KEY,
        PAYMENT_PROVIDER_WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET,
        PAYMENT_RECONCILE_INTERVAL_MS: '0',
        ...options.env,
      },
    });
    processes.push(payment);
    return {
      url: payment.url,
      sandboxUrl: sandbox.url,
      sandboxApiKey: SANDBOX_API_KEY,
      payment,
      sandbox,
      webhooks: { pause: relay.pause, resume: relay.resume },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
