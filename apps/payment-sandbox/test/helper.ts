import path from 'node:path';
import { migrate } from '@shop/database';
import type { Service } from '@shop/platform';
import { startServiceUnderTest, startTestAuth, type ServiceUnderTest, type TestAuth } from '@shop/testing';
import { createPaymentSandboxService } from '../src/app.ts';
import { loadPaymentSandboxConfig } from '../src/config.ts';

export const appDir = path.resolve(import.meta.dirname, '..');

export interface PaymentSandboxTestContext extends ServiceUnderTest<Service> {
  /** The stand-in auth service whose tokens the service trusts. */
  auth: TestAuth;
}

/** The payment-sandbox service on a fresh, migrated database of its own, trusting a stand-in auth service. */
export async function startPaymentSandbox(
  env: Record<string, string> = {},
): Promise<PaymentSandboxTestContext> {
  const auth = await startTestAuth();
  const sut = await startServiceUnderTest(
    {
      database: 'payment-sandbox',
      migrate: (databaseUrl) =>
        migrate({ databaseUrl, migrationsDir: path.join(appDir, 'prisma', 'migrations') }),
      start: (databaseUrl, overrides) =>
        createPaymentSandboxService(
          loadPaymentSandboxConfig({
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            PAYMENT_SANDBOX_DATABASE_URL: databaseUrl,
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
