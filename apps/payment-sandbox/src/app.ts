import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { databaseSettingsFrom } from '@shop/database';
import { idempotencyPlugin } from '@shop/idempotency';
import { buildService, type Service } from '@shop/platform';
import type { PaymentSandboxConfig } from './config.ts';
import { createChargeReader } from './data-access/charge.repository.ts';
import { createSandboxTransactions } from './data-access/sandbox-store.ts';
import type { SandboxDeps } from './domain/ports.ts';
import { apiGuardPlugin } from './plugins/api-guard.plugin.ts';
import { prismaPlugin } from './plugins/prisma.plugin.ts';
import { workersPlugin } from './plugins/workers.plugin.ts';
import { chargeRoutes } from './routes/charges/index.ts';
import { refundRoutes } from './routes/refunds/index.ts';

export interface PaymentSandboxAppOptions extends Record<string, unknown> {
  config: PaymentSandboxConfig;
}

/** The one account behind the API key: the scope of its Idempotency-Keys. */
const ACCOUNT = 'acct_sandbox';

/** Stripe-style ids: a type prefix and 24 random hex digits. */
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** The sandbox card processor as one plugin: charges, refunds, listing, its settler and webhook deliverer. */
export const paymentSandboxApp = fp(
  async function paymentSandboxApp(
    app: FastifyInstance,
    { config }: PaymentSandboxAppOptions,
  ): Promise<void> {
    await app.register(prismaPlugin, databaseSettingsFrom('PAYMENT_SANDBOX', config));
    const webhooksEnabled = config.SANDBOX_WEBHOOK_URL !== undefined;
    const transactions = createSandboxTransactions(app.prisma, webhooksEnabled);
    const deps: SandboxDeps = {
      charges: createChargeReader(app.prisma),
      transaction: transactions.run,
      newId,
      now: () => new Date(),
      processingDelayMs: config.SANDBOX_PROCESSING_DELAY_MS,
    };
    const closing = new AbortController();
    app.addHook('preClose', async () => closing.abort());

    await app.register(workersPlugin, {
      deps,
      intervalMs: config.SANDBOX_WORKER_INTERVAL_MS,
      ...(config.SANDBOX_WEBHOOK_URL === undefined
        ? {}
        : {
            webhook: {
              url: config.SANDBOX_WEBHOOK_URL,
              secret: config.SANDBOX_WEBHOOK_SECRET,
              timeoutMs: config.SANDBOX_WEBHOOK_TIMEOUT_MS,
              maxAttempts: config.SANDBOX_WEBHOOK_MAX_ATTEMPTS,
              retryBaseMs: config.SANDBOX_WEBHOOK_RETRY_BASE_MS,
            },
          }),
    });
    // The charge and its key's "done" commit together; a late answer (pm_card_timeout) is sent after that.
    await app.register(idempotencyPlugin, {
      store: { transaction: (work) => app.prisma.$transaction(work) },
      scope: () => ACCOUNT,
      // Longer than the slowest charge can take, pm_card_timeout's late answer included.
      lockTimeoutMs: Math.max(60_000, config.SANDBOX_TIMEOUT_DELAY_MS + config.SANDBOX_LATENCY_MS + 10_000),
    });
    await app.register(
      async (api) => {
        await api.register(apiGuardPlugin, {
          apiKey: config.SANDBOX_API_KEY,
          latencyMs: config.SANDBOX_LATENCY_MS,
          failureRate: config.SANDBOX_FAILURE_RATE,
        });
        await api.register(chargeRoutes, {
          prefix: '/charges',
          deps,
          transactions,
          timeoutDelayMs: config.SANDBOX_TIMEOUT_DELAY_MS,
          closing: closing.signal,
        });
        await api.register(refundRoutes, { prefix: '/refunds', deps, transactions });
      },
      { prefix: '/v1' },
    );
  },
  { name: 'payment-sandbox-app' },
);

/** The payment-sandbox service with every platform default, ready to listen or to be tested with inject(). */
export function createPaymentSandboxService(config: PaymentSandboxConfig): Promise<Service> {
  return buildService(
    {
      name: 'payment-sandbox',
      description:
        'A sandbox card processor: charges and refunds of test payment methods, signed webhooks, fault settings',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      trustProxy: config.TRUST_PROXY,
    },
    paymentSandboxApp,
    { config },
  );
}
