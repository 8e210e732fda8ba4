import path from 'node:path';
import { migrate } from '@shop/database';
import type { Service } from '@shop/platform';
import { startServiceUnderTest, startTestAuth, type ServiceUnderTest, type TestAuth } from '@shop/testing';
import { createPaymentService } from '../src/app.ts';
import { loadPaymentConfig } from '../src/config.ts';

export const appDir = path.resolve(import.meta.dirname, '..');

export interface PaymentTestContext extends ServiceUnderTest<Service> {
  /** The stand-in auth service whose tokens the service trusts. */
  auth: TestAuth;
}

/** The payment service on a fresh, migrated database of its own, trusting a stand-in auth service. */
export async function startPayment(env: Record<string, string> = {}): Promise<PaymentTestContext> {
  const auth = await startTestAuth();
  const sut = await startServiceUnderTest(
    {
      database: 'payment',
      migrate: (databaseUrl) =>
        migrate({ databaseUrl, migrationsDir: path.join(appDir, 'prisma', 'migrations') }),
      start: (databaseUrl, overrides) =>
        createPaymentService(
          loadPaymentConfig({
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            PAYMENT_DATABASE_URL: databaseUrl,
            AUTH_JWKS_URL: auth.jwksUrl,
            AUTH_ISSUER: auth.issuer,
            AUTH_AUDIENCE: auth.audience,
            ...overrides,
          }),
        ),
    },
    env,
  );
  sut.onClose(() => auth.close());
  return { ...sut, auth };
}
