import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { databaseSettingsFrom } from '@shop/database';
import { buildService, jwtAuthPlugin, remoteJwks, type Service } from '@shop/platform';
import type { PaymentSandboxConfig } from './config.ts';
import { createPaymentSandboxRepository } from './data-access/payment-sandbox.repository.ts';
import type { PaymentSandboxDeps } from './domain/ports.ts';
import { prismaPlugin } from './plugins/prisma.plugin.ts';
import { paymentSandboxRoutes } from './routes/payment-sandboxs/index.ts';

export interface PaymentSandboxAppOptions extends Record<string, unknown> {
  config: PaymentSandboxConfig;
}

/** The payment-sandbox service as one plugin. */
export const paymentSandboxApp = fp(
  async function paymentSandboxApp(
    app: FastifyInstance,
    { config }: PaymentSandboxAppOptions,
  ): Promise<void> {
    await app.register(prismaPlugin, databaseSettingsFrom('PAYMENT_SANDBOX', config));
    const deps: PaymentSandboxDeps = {
      paymentSandboxs: createPaymentSandboxRepository(app.prisma),
      newId: randomUUID,
      now: () => new Date(),
    };
    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: remoteJwks(config.AUTH_JWKS_URL),
    });
    await app.register(paymentSandboxRoutes, { prefix: '/api/v1/payment-sandboxs', deps });
  },
  { name: 'payment-sandbox-app' },
);

/** The payment-sandbox service with every platform default, ready to listen or to be tested with inject(). */
export function createPaymentSandboxService(config: PaymentSandboxConfig): Promise<Service> {
  return buildService(
    {
      name: 'payment-sandbox',
      description: 'A sandbox card processor: charges, refunds, signed webhooks, test cards',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
    },
    paymentSandboxApp,
    { config },
  );
}
