import type { Service } from '@shop/platform';
import { getRedis, startTestAuth, uniqueKeyPrefix, type TestAuth } from '@shop/testing';
import supertest from 'supertest';
import { createGatewayService } from '../src/app.ts';
import { loadGatewayConfig, type UpstreamName } from '../src/config.ts';
import { startUpstreamStub, type UpstreamStub } from './support/upstream-stub.ts';

export const UPSTREAMS: readonly UpstreamName[] = ['auth', 'product', 'order', 'payment'];

export interface GatewayTestContext {
  app: Service;
  http: ReturnType<typeof supertest>;
  /** The stand-in services, each echoing what it received. */
  stubs: Record<UpstreamName, UpstreamStub>;
  /** The stand-in auth service whose tokens the gateway trusts. */
  auth: TestAuth;
  /** The env the gateway was built with (for a second replica). */
  env: Record<string, string>;
  /** Another gateway replica with the same settings plus `overrides`. */
  startReplica(overrides?: Record<string, string>): Promise<Service>;
  close(): Promise<void>;
}

/** The upstream variables pointing at `urls`. */
export const upstreamEnv = (urls: Record<UpstreamName, string>) => ({
  AUTH_SERVICE_URL: urls.auth,
  PRODUCT_SERVICE_URL: urls.product,
  ORDER_SERVICE_URL: urls.order,
  PAYMENT_SERVICE_URL: urls.payment,
});

/**
 * The gateway in this process in front of four upstream stubs, trusting a stand-in auth service, its rate
 * limits counted in the test Redis under a key prefix of its own. `env` overrides any setting.
 */
export async function startGateway(env: Record<string, string> = {}): Promise<GatewayTestContext> {
  const auth = await startTestAuth();
  const stubs = Object.fromEntries(
    await Promise.all(UPSTREAMS.map(async (name) => [name, await startUpstreamStub(name)] as const)),
  ) as Record<UpstreamName, UpstreamStub>;
  const { url: redisUrl } = await getRedis();
  const fullEnv: Record<string, string> = {
    NODE_ENV: 'test',
    // GATEWAY_TEST_LOG_LEVEL=debug shows the gateway's logs when a test needs explaining.
    LOG_LEVEL: process.env['GATEWAY_TEST_LOG_LEVEL'] ?? 'silent',
    AUTH_JWKS_URL: auth.jwksUrl,
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience,
    REDIS_URL: redisUrl,
    RATE_LIMIT_KEY_PREFIX: uniqueKeyPrefix('gateway'),
    ...upstreamEnv({
      auth: stubs.auth.url,
      product: stubs.product.url,
      order: stubs.order.url,
      payment: stubs.payment.url,
    }),
    ...env,
  };
  const replicas: Service[] = [];
  const startReplica = async (overrides: Record<string, string> = {}) => {
    const replica = await createGatewayService(loadGatewayConfig({ ...fullEnv, ...overrides }));
    replicas.push(replica);
    await replica.ready();
    return replica;
  };
  const app = await startReplica();
  return {
    app,
    http: supertest(app.server),
    stubs,
    auth,
    env: fullEnv,
    startReplica,
    close: async () => {
      await Promise.all(replicas.map((replica) => replica.close()));
      await Promise.all(Object.values(stubs).map((stub) => stub.close()));
      await auth.close();
    },
  };
}
