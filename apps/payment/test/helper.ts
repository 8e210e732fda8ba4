import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { migrate } from '@shop/database';
import { createMessageBroker, type MessageBroker } from '@shop/events';
import { eventProbe, type EventProbe } from '@shop/events/testing';
import type { Service } from '@shop/platform';
import {
  getKafka,
  startServiceUnderTest,
  startTestAuth,
  type ServiceUnderTest,
  type TestAuth,
} from '@shop/testing';
import { createPaymentService, providerFrom } from '../src/app.ts';
import { loadPaymentConfig } from '../src/config.ts';
import { MemoryPaymentProvider } from '../src/data-access/memory.provider.ts';
import { SandboxPaymentProvider } from '../src/data-access/sandbox.provider.ts';
import type { PaymentProvider } from '../src/domain/provider.ts';
import { startOrderStub, type OrderStub } from './support/order-stub.ts';

export const appDir = path.resolve(import.meta.dirname, '..');
export const migrationsDir = path.join(appDir, 'prisma', 'migrations');

export interface PaymentTestContext extends ServiceUnderTest<Service>, EventProbe {
  /** The stand-in auth service whose tokens the service trusts. */
  auth: TestAuth;
  /** The stand-in order service the payments read their orders from. */
  orders: OrderStub;
  provider: PaymentProvider;
  /** Every webhook the memory provider sent (and posted to the service), oldest first. */
  webhooks: WebhookDelivery[];
  /** Kafka, in this context's own namespace. */
  kafka: MessageBroker;
  /** Bearer headers of a customer (a new one unless `subject` is given) or an admin. */
  customer(subject?: string): Promise<Record<string, string>>;
  admin(subject?: string): Promise<Record<string, string>>;
}

export interface WebhookDelivery {
  rawBody: string;
  signatureHeader: string;
}

export interface StartPaymentOptions {
  env?: Record<string, string>;
  /** Default: a memory provider whose webhooks are posted to the service; 'config': the sandbox of `env`. */
  provider?: PaymentProvider | 'config';
}

/** Settings that keep the background tasks out of a test's way unless it asks for them. */
export const QUIET_BACKGROUND = {
  PAYMENT_COMPLETER_INTERVAL_MS: '3600000',
  PAYMENT_RECONCILE_INTERVAL_MS: '0',
};

/**
 * The payment service on a fresh, migrated database of its own, trusting a stand-in auth service, reading
 * orders from a stand-in order service, publishing to the test kit's Kafka in a namespace of its own.
 */
export async function startPayment(options: StartPaymentOptions = {}): Promise<PaymentTestContext> {
  const [auth, { brokers }] = await Promise.all([startTestAuth(), getKafka()]);
  const orders = await startOrderStub(auth);
  const namespace = `test-${randomUUID().slice(0, 8)}`;
  const kafka = createMessageBroker({
    clientId: 'payment-test',
    kafkaBrokers: brokers,
    topics: { numPartitions: 1, replicationFactor: 1 },
    namespace,
  });
  // The memory provider's webhooks go to the service as the sandbox's would, once it listens.
  const webhooks: WebhookDelivery[] = [];
  let deliver: (delivery: WebhookDelivery) => void = () => undefined;
  const provider =
    options.provider === 'config'
      ? undefined
      : (options.provider ??
        new MemoryPaymentProvider({
          processingDelayMs: 300,
          onWebhook: (delivery) => {
            webhooks.push(delivery);
            deliver(delivery);
          },
        }));
  const sut = await startServiceUnderTest(
    {
      database: 'payment',
      migrate: (databaseUrl) => migrate({ databaseUrl, migrationsDir }),
      start: (databaseUrl, overrides) =>
        createPaymentService(
          loadPaymentConfig({
            NODE_ENV: 'test',
            LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
            PAYMENT_DATABASE_URL: databaseUrl,
            AUTH_JWKS_URL: auth.jwksUrl,
            AUTH_ISSUER: auth.issuer,
            AUTH_AUDIENCE: auth.audience,
            KAFKA_BROKERS: brokers.join(','),
            KAFKA_TOPIC_PARTITIONS: '1',
            KAFKA_NAMESPACE: namespace,
            ORDER_SERVICE_URL: orders.url,
            ...auth.serviceClientEnv('payment'),
            ...QUIET_BACKGROUND,
            ...overrides,
          }),
          provider === undefined ? {} : { provider },
        ),
    },
    options.env ?? {},
  );
  // With the sandbox, the test reads what the provider holds through an adapter of its own.
  const inspector =
    provider ??
    providerFrom(
      loadPaymentConfig({ NODE_ENV: 'test', PAYMENT_DATABASE_URL: sut.databaseUrl, ...options.env }),
    );
  sut.onClose(async () => {
    if (inspector instanceof SandboxPaymentProvider) await inspector.close();
    await kafka.close();
    await orders.close();
    await auth.close();
    if (provider instanceof MemoryPaymentProvider) provider.close();
  });
  deliver = (delivery) =>
    void sut.http
      .post('/api/v1/payments/webhooks/sandbox')
      .set('content-type', 'application/json')
      .set('sandbox-signature', delivery.signatureHeader)
      .send(delivery.rawBody)
      .then(
        () => undefined,
        () => undefined,
      );
  const bearer = (roles: string[], subject: string) => auth.bearer(roles, { subject });
  return {
    ...sut,
    auth,
    orders,
    kafka,
    provider: inspector,
    webhooks,
    customer: (subject = randomUUID()) => bearer(['customer'], subject),
    admin: (subject = randomUUID()) => bearer(['admin'], subject),
    // Events published and read on this context's Kafka namespace.
    ...eventProbe(kafka),
  };
}
