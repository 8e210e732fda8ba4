import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { databaseSettingsFrom } from '@shop/database';
import { kafkaConnectionFrom } from '@shop/events';
import { eventsPlugin } from '@shop/events/fastify';
import { idempotencyPlugin } from '@shop/idempotency';
import {
  buildService,
  jwtAuthPlugin,
  remoteJwks,
  serviceCredentialsFrom,
  ServiceTokenSource,
  type Service,
} from '@shop/platform';
import type { PaymentConfig } from './config.ts';
import { refundRequestedConsumer } from './consumers/refund-requested.consumer.ts';
import { OrderClient } from './data-access/order.client.ts';
import { createPaymentReader } from './data-access/payment.repository.ts';
import { SandboxPaymentProvider } from './data-access/sandbox.provider.ts';
import { createPaymentTransactions } from './data-access/unit-of-work.ts';
import type { OrderDirectory, PaymentDeps, PaymentUnitOfWork } from './domain/ports.ts';
import type { PaymentProvider } from './domain/provider.ts';
import { completerPlugin } from './plugins/completer.plugin.ts';
import { prismaPlugin } from './plugins/prisma.plugin.ts';
import { reconciliationPlugin } from './plugins/reconciliation.plugin.ts';
import { paymentRoutes } from './routes/payments/index.ts';
import { webhookRoutes } from './routes/webhooks/index.ts';

export interface PaymentAppOptions extends Record<string, unknown> {
  config: PaymentConfig;
  /** The card processor (default: the sandbox over HTTP, from the config); tests pass the memory provider. */
  provider?: PaymentProvider;
  /** The order service (default: its internal read over HTTP). */
  orders?: OrderDirectory;
  /** The clock of every use case (default: the system clock). */
  now?: () => Date;
}

/** The provider of the config: the sandbox card processor's HTTP API. */
export function providerFrom(config: PaymentConfig): SandboxPaymentProvider {
  return new SandboxPaymentProvider({
    baseUrl: config.PAYMENT_PROVIDER_URL,
    apiKey: config.PAYMENT_PROVIDER_API_KEY,
    webhookSecret: config.PAYMENT_PROVIDER_WEBHOOK_SECRET,
    timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS,
    breaker: {
      consecutiveFailures: config.PAYMENT_PROVIDER_BREAKER_FAILURES,
      halfOpenAfterMs: config.PAYMENT_PROVIDER_BREAKER_OPEN_SECONDS * 1000,
    },
  });
}

/** The payment service as one plugin: payments, refunds, webhooks, the completer and the reconciliation. */
export const paymentApp = fp(
  async function paymentApp(app: FastifyInstance, options: PaymentAppOptions): Promise<void> {
    const { config } = options;
    await app.register(prismaPlugin, databaseSettingsFrom('PAYMENT', config));
    await app.register(eventsPlugin, {
      service: 'payment',
      kafka: kafkaConnectionFrom(config),
      busDatabaseUrl: config.EVENT_BUS_DATABASE_URL ?? config.PAYMENT_DATABASE_URL,
      relay: config.OUTBOX_RELAY_ENABLED ? [{ connectionString: config.PAYMENT_DATABASE_URL }] : [],
    });

    const provider = options.provider ?? providerFrom(config);
    let orders = options.orders;
    if (orders === undefined) {
      const serviceTokens = new ServiceTokenSource(serviceCredentialsFrom(config));
      const client = new OrderClient({
        baseUrl: config.ORDER_SERVICE_URL,
        serviceToken: serviceTokens.forAudience('order'),
        timeoutMs: config.ORDER_TIMEOUT_MS,
      });
      app.addHook('onClose', async () => {
        await client.close();
        await serviceTokens.close();
      });
      orders = client;
    }
    if (options.provider === undefined && provider instanceof SandboxPaymentProvider)
      app.addHook('onClose', () => provider.close());
    const deps: PaymentDeps = {
      payments: createPaymentReader(app.prisma),
      transactions: createPaymentTransactions(app.prisma, {
        publish: app.events.publisher,
        onEffectError: (err) =>
          app.log.error({ err }, 'an after-commit effect of a payment transaction failed'),
      }),
      orders,
      provider,
      newId: randomUUID,
      now: options.now ?? (() => new Date()),
      warn: (err, message, context) => app.log.warn({ err, ...context }, message),
    };

    await app.register(refundRequestedConsumer, { deps });
    await app.register(completerPlugin, {
      deps,
      intervalMs: config.PAYMENT_COMPLETER_INTERVAL_MS,
      afterMs: config.PAYMENT_COMPLETER_AFTER_MS,
      batchSize: 100,
    });
    await app.register(reconciliationPlugin, {
      deps,
      intervalMs: config.PAYMENT_RECONCILE_INTERVAL_MS,
      windowMs: config.PAYMENT_RECONCILE_WINDOW_HOURS * 3_600_000,
      settleMs: config.PAYMENT_COMPLETER_AFTER_MS,
    });
    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: remoteJwks(config.AUTH_JWKS_URL, { maxStaleMs: config.AUTH_JWKS_MAX_STALE_SECONDS * 1000 }),
    });
    // Keys live beside the payments they guard, so a payment's outcome and its answer commit together.
    await app.register(idempotencyPlugin, {
      store: {
        transaction: (work) => deps.transactions.run((uow: PaymentUnitOfWork) => work(uow)),
        // A new key is claimed by one autocommitted INSERT instead of a transaction of four statements.
        autocommit: app.prisma,
      },
      scope: (request) => request.caller!.id,
      ttlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
      lockTimeoutMs: config.IDEMPOTENCY_LOCK_TIMEOUT_MS,
    });
    await app.register(paymentRoutes, { prefix: '/api/v1/payments', deps });
    await app.register(webhookRoutes, { prefix: '/api/v1/payments/webhooks', deps });
  },
  { name: 'payment-app' },
);

/** The payment service with every platform default, ready to listen or to be tested with inject(). */
export function createPaymentService(
  config: PaymentConfig,
  overrides: Pick<PaymentAppOptions, 'provider' | 'orders' | 'now'> = {},
): Promise<Service> {
  return buildService(
    {
      name: 'payment',
      description: 'Payments and refunds: idempotent, crash-safe, against a card provider',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      trustProxy: config.TRUST_PROXY,
    },
    paymentApp,
    { config, ...overrides },
  );
}
