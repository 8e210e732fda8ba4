import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { migrate } from '@shop/database';
import type { Service } from '@shop/platform';
import { createTestDatabase, getRedis, uniqueKeyPrefix, type TestDatabase } from '@shop/testing';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import pg from 'pg';
import supertest from 'supertest';
import { createProductService } from '../src/app.ts';
import { loadProductConfig, type ProductConfig } from '../src/config.ts';
import { INTERNAL_TOKEN_HEADER } from '../src/security/internal-token.ts';

export const appDir = path.resolve(import.meta.dirname, '..');

const ISSUER = 'https://auth.test';
const AUDIENCE = 'shop-api-test';
export const INTERNAL_TOKEN = 'test-internal-token-0123456789abcdef';

/** The auth service as far as product sees it: a JWKS endpoint, and tokens signed by its key. */
export interface TestAuth {
  jwksUrl: string;
  sign(claims: { sub: string; roles: string[] }, opts?: { expiresIn?: string | number }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestAuth(): Promise<TestAuth> {
  const kid = `test-${crypto.randomUUID()}`;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] });
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sign = (claims: { sub: string; roles: string[] }, opts: { expiresIn?: string | number } = {}) =>
    new SignJWT({ roles: claims.roles })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.sub)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '10m')
      .sign(privateKey as CryptoKey);
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ProductTestContext {
  app: Service;
  http: ReturnType<typeof supertest>;
  config: ProductConfig;
  databaseUrl: string;
  /** Bearer headers of an admin and of a customer. */
  asAdmin: { authorization: string };
  asCustomer: { authorization: string };
  asService: Record<string, string>;
  auth: TestAuth;
  /** Runs SQL against the service's database, to check what was stored. */
  sql<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  /** Another replica of the service: same database, same Redis and key prefix. */
  startReplica(env?: Record<string, string>): Promise<Service>;
  /** Closes every replica, the JWKS server and the database. */
  close(): Promise<void>;
}

/**
 * The product service on a fresh, migrated database of its own, with Redis under a key prefix of its own
 * (REDIS_URL or a server @shop/testing starts) and a stand-in auth service. `env` overrides config; set
 * `REDIS_URL: ''` for the in-process cache.
 */
export async function startProduct(env: Record<string, string> = {}): Promise<ProductTestContext> {
  const db: TestDatabase = await createTestDatabase('product');
  await migrate({ databaseUrl: db.url, migrationsDir: path.join(appDir, 'prisma', 'migrations') });
  const auth = await startTestAuth();
  const redisUrl = 'REDIS_URL' in env ? env['REDIS_URL'] : (await getRedis()).url;
  const baseEnv: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    // PRODUCT_TEST_LOG_LEVEL=debug shows the service's logs when a test needs explaining.
    LOG_LEVEL: process.env['PRODUCT_TEST_LOG_LEVEL'] ?? 'silent',
    PRODUCT_DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    CACHE_KEY_PREFIX: uniqueKeyPrefix('product'),
    AUTH_JWKS_URL: auth.jwksUrl,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    // Events stay in the outbox, where tests read what each write emitted; the consumer tests turn it on.
    OUTBOX_RELAY_ENABLED: 'false',
    ...env,
  };
  const config = loadProductConfig(baseEnv);
  const replicas: Service[] = [];
  const start = async (overrides: Record<string, string> = {}) => {
    const service = await createProductService(loadProductConfig({ ...baseEnv, ...overrides }));
    replicas.push(service);
    await service.ready();
    return service;
  };
  const app = await start();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // Dropping the database terminates idle connections; that is expected, not a test failure.
  pool.on('error', () => undefined);
  const bearer = async (roles: string[]) => ({
    authorization: `Bearer ${await auth.sign({ sub: crypto.randomUUID(), roles })}`,
  });

  return {
    app,
    http: supertest(app.server),
    config,
    databaseUrl: db.url,
    asAdmin: await bearer(['admin', 'customer']),
    asCustomer: await bearer(['customer']),
    asService: { [INTERNAL_TOKEN_HEADER]: INTERNAL_TOKEN },
    auth,
    sql: async (text, values) => (await pool.query(text, values)).rows,
    startReplica: start,
    close: async () => {
      await Promise.all(replicas.map((service) => service.close()));
      await pool.end();
      await auth.close();
      await db.drop();
    },
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

/** Retries `read` until `done` holds; replicas learn of a write through Redis pub/sub, a moment later. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await delay(20);
  }
  throw new Error(`${what} did not happen within 2 s`);
}

/** The name a replica serves for a product (from its cache when it has it). */
export async function servedName(app: Service, id: string): Promise<string> {
  return (await app.inject({ method: 'GET', url: `/api/v1/products/${id}` })).json().name as string;
}

/**
 * Caches a product on both replicas (twice on the second, so it sits in that replica's L1), renames it
 * through the first, and checks that the first serves the new name at once and the second within 2 s.
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
    () => servedName(replica, created.id),
    (name) => name === 'After',
    'the other replica dropping its copy',
  );
}
