import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { databaseSettingsFrom } from '@shop/database';
import { buildService, jwtAuthPlugin, remoteJwks, type Service } from '@shop/platform';
import type { PaymentConfig } from './config.ts';
import { prismaPlugin } from './plugins/prisma.plugin.ts';

export interface PaymentAppOptions extends Record<string, unknown> {
  config: PaymentConfig;
}

/** The payment service as one plugin. */
export const paymentApp = fp(
  async function paymentApp(app: FastifyInstance, { config }: PaymentAppOptions): Promise<void> {
    await app.register(prismaPlugin, databaseSettingsFrom('PAYMENT', config));
    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: remoteJwks(config.AUTH_JWKS_URL),
    });
  },
  { name: 'payment-app' },
);

/** The payment service with every platform default, ready to listen or to be tested with inject(). */
export function createPaymentService(config: PaymentConfig): Promise<Service> {
  return buildService(
    {
      name: 'payment',
      description: 'Payments and refunds: idempotent, crash-safe, against a card provider',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
    },
    paymentApp,
    { config },
  );
}
