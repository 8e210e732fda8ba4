import type { Service } from '@shop/platform';
import { startServiceUnderTest, startTestAuth, type ServiceUnderTest, type TestAuth } from '@shop/testing';
import { createOrderService } from '../src/app.ts';
import { loadOrderConfig } from '../src/config.ts';
import { appDir, migrateShardsOf } from './support/order-system.ts';

export { appDir };

export interface OrderTestContext extends ServiceUnderTest<Service> {
  /** The stand-in auth service whose tokens the service trusts. */
  auth: TestAuth;
}

/**
 * The order service on a fresh database of its own holding all 16 shards (one server, the embedded
 * start's layout; test/support/order-system.ts puts them on two), trusting a stand-in auth service: its own,
 * or `options.auth` when another service must trust the same one (the caller then closes it).
 */
export async function startOrder(
  env: Record<string, string> = {},
  options: { auth?: TestAuth } = {},
): Promise<OrderTestContext> {
  const auth = options.auth ?? (await startTestAuth());
  const sut = await startServiceUnderTest(
    {
      database: 'order',
      migrate: (databaseUrl) => migrateShardsOf({ a: databaseUrl }),
      start: (databaseUrl, overrides) =>
        createOrderService(
          loadOrderConfig({
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            ORDER_DATABASE_URL: databaseUrl,
            AUTH_JWKS_URL: auth.jwksUrl,
            AUTH_ISSUER: auth.issuer,
            AUTH_AUDIENCE: auth.audience,
            ...auth.serviceClientEnv('order'),
            ...overrides,
          }),
        ),
    },
    env,
  );
  if (!options.auth) sut.onClose(() => auth.close());
  return { ...sut, auth };
}
