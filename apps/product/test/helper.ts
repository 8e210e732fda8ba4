import assert from 'node:assert/strict';
import path from 'node:path';
import { migrate } from '@shop/database';
import type { Service } from '@shop/platform';
import {
  eventually,
  getRedis,
  startServiceUnderTest,
  startTestAuth,
  uniqueKeyPrefix,
  type ServiceUnderTest,
  type TestAuth,
} from '@shop/testing';
import { SERVICE_SCOPES } from '@shop/contracts';
import { createProductService } from '../src/app.ts';
import { loadProductConfig, type ProductConfig } from '../src/config.ts';

export const appDir = path.resolve(import.meta.dirname, '..');

export interface ProductTestContext extends ServiceUnderTest<Service> {
  config: ProductConfig;
  /** Bearer headers of an admin and of a customer. */
  asAdmin: { authorization: string };
  asCustomer: { authorization: string };
  /** A service token of the order service for product, with every scope product grants. */
  asService: { authorization: string };
  /** The stand-in auth service whose JWKS the product service trusts. */
  auth: TestAuth;
}

/**
 * The product service on a fresh, migrated database of its own, with Redis under a key prefix of its own
 * (REDIS_URL or a server @shop/testing starts) and a stand-in auth service. `env` overrides config; set
 * `REDIS_URL: ''` for the in-process cache. `now` is the use cases' clock (a TestClock's, to move time).
 */
export async function startProduct(
  env: Record<string, string> = {},
  options: { now?: () => Date } = {},
): Promise<ProductTestContext> {
  const auth = await startTestAuth();
  const redisUrl = 'REDIS_URL' in env ? env['REDIS_URL'] : (await getRedis()).url;
  const keyPrefix = uniqueKeyPrefix('product');
  const baseEnv = (databaseUrl: string): Record<string, string | undefined> => ({
    NODE_ENV: 'test',
    // PRODUCT_TEST_LOG_LEVEL=debug shows the service's logs when a test needs explaining.
    LOG_LEVEL: process.env['PRODUCT_TEST_LOG_LEVEL'] ?? 'silent',
    PRODUCT_DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    CACHE_KEY_PREFIX: keyPrefix,
    AUTH_JWKS_URL: auth.jwksUrl,
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience,
    // Events stay in the outbox, where tests read what each write emitted; the consumer tests turn it on.
    OUTBOX_RELAY_ENABLED: 'false',
  });
  const sut = await startServiceUnderTest(
    {
      database: 'product',
      migrate: (databaseUrl) =>
        migrate({ databaseUrl, migrationsDir: path.join(appDir, 'prisma', 'migrations') }),
      start: (databaseUrl, overrides) =>
        createProductService(loadProductConfig({ ...baseEnv(databaseUrl), ...overrides }), options),
    },
    env,
  ).catch(async (error: unknown) => {
    await auth.close();
    throw error;
  });
  sut.onClose(() => auth.close());
  return {
    ...sut,
    config: loadProductConfig({ ...baseEnv(sut.databaseUrl), ...env }),
    asAdmin: await auth.bearer(['admin', 'customer']),
    asCustomer: await auth.bearer(['customer']),
    asService: await auth.serviceBearer('order', 'product', Object.keys(SERVICE_SCOPES.product)),
    auth,
  };
}

let sequence = 0;

/** A valid product body, unique within the test run. */
export function newProduct(overrides: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    sku: `TEST-${process.pid}-${sequence}-${crypto.randomUUID().slice(0, 8).toUpperCase()}`,
    name: `Test product ${sequence}`,
    description: 'A product made for a test.',
    category: 'test-gear',
    price: { amount: 1999, currency: 'USD' },
    imageUrl: 'https://cdn.shop.test/images/test.jpg',
    attributes: { color: 'red' },
    stock: 10,
    ...overrides,
  };
}

/** Creates a product through the admin API and answers it. */
export async function createProduct(ctx: ProductTestContext, overrides: Record<string, unknown> = {}) {
  const res = await ctx.http
    .post('/api/v1/products')
    .set(ctx.asAdmin)
    .send(newProduct(overrides))
    .expect(201);
  return res.body as {
    id: string;
    sku: string;
    version: number;
    name: string;
    price: { amount: number; currency: string };
  };
}

/** The `cache_requests_total` and `cache_loads_total` counters of one cache, read from /metrics. */
export async function cacheCounters(app: Service, cache: 'product' | 'product-list') {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const read = (metric: string, extra = '') => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${metric}{`) && l.includes(`cache="${cache}"`) && l.includes(extra));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return {
    hit: read('cache_requests_total', 'result="hit"'),
    miss: read('cache_requests_total', 'result="miss"'),
    error: read('cache_requests_total', 'result="error"'),
    loads: read('cache_loads_total'),
  };
}

/** The outbox rows of an event type, oldest first, with the envelope parsed. */
export async function outboxEvents(ctx: ProductTestContext, type: string) {
  const rows = await ctx.sql<{ key: string; payload: string }>(
    'SELECT key, payload FROM outbox_events WHERE type = $1 ORDER BY seq',
    [type],
  );
  return rows.map((row) => ({
    key: row.key,
    envelope: JSON.parse(row.payload) as { id: string; subject: string; data: Record<string, unknown> },
  }));
}

export const problemType = /^application\/problem\+json/;

/** The name a replica serves for a product (from its cache when it has it). */
export async function servedName(app: Service, id: string): Promise<string> {
  return (await app.inject({ method: 'GET', url: `/api/v1/products/${id}` })).json().name as string;
}

/**
 * Caches a product on both replicas (twice on the second, so it sits in that replica's L1), renames it
 * through the first, and checks that the first serves the new name at once and the second soon after.
 */
export async function expectRenameSeenByBothReplicas(
  ctx: ProductTestContext,
  replica: Service,
): Promise<void> {
  const created = await createProduct(ctx, { name: 'Before' });
  assert.equal(await servedName(ctx.app, created.id), 'Before');
  assert.equal(await servedName(replica, created.id), 'Before');
  assert.equal(await servedName(replica, created.id), 'Before', 'now in the replica L1');

  await ctx.http
    .patch(`/api/v1/products/${created.id}`)
    .set(ctx.asAdmin)
    .send({ version: 1, name: 'After' })
    .expect(200);

  assert.equal(await servedName(ctx.app, created.id), 'After', 'the writing replica reads its own write');
  await eventually(
    'the other replica dropping its copy',
    async () => (await servedName(replica, created.id)) === 'After',
  );
}
