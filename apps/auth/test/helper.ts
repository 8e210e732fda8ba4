import assert from 'node:assert/strict';
import path from 'node:path';
import { migrate } from '@shop/database';
import type { Service } from '@shop/platform';
import {
  createTestSigningKey,
  startServiceUnderTest,
  type ServiceUnderTest,
  type TestSigningKey,
} from '@shop/testing';
import { createAuthService } from '../src/app.ts';
import { loadAuthConfig, type AuthConfig } from '../src/config.ts';

export const appDir = path.resolve(import.meta.dirname, '..');

export interface AuthTestContext extends ServiceUnderTest<Service> {
  config: AuthConfig;
  /** The service's own signing key, for tokens with claims the service would never issue itself. */
  signingKey: TestSigningKey;
}

/**
 * The auth service on a fresh, migrated database of its own, with a signing key the test knows, closed when
 * the caller closes it. `env` overrides configuration (e.g. throttling limits, REDIS_URL).
 */
export async function startAuth(env: Record<string, string> = {}): Promise<AuthTestContext> {
  const base = { AUTH_ISSUER: 'https://auth.test', AUTH_AUDIENCE: 'shop-api-test' };
  const signingKey = await createTestSigningKey({ issuer: base.AUTH_ISSUER, audience: base.AUTH_AUDIENCE });
  const configOn = (databaseUrl: string, overrides: Record<string, string>) =>
    loadAuthConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      // Tests name their client in X-Forwarded-For, as the ingress in front of the service would.
      TRUST_PROXY: 'loopback',
      AUTH_DATABASE_URL: databaseUrl,
      AUTH_SIGNING_KEYS: JSON.stringify([signingKey.privateJwk]),
      ...base,
      ...overrides,
    });
  const sut = await startServiceUnderTest(
    {
      database: 'auth',
      migrate: (databaseUrl) =>
        migrate({ databaseUrl, migrationsDir: path.join(appDir, 'prisma', 'migrations') }),
      start: (databaseUrl, overrides) => createAuthService(configOn(databaseUrl, overrides)),
    },
    env,
  );
  return { ...sut, config: configOn(sut.databaseUrl, env), signingKey };
}

let sequence = 0;
/** A unique, valid registration for one test. */
export function newCustomer(overrides: Partial<{ email: string; password: string; name: string }> = {}) {
  sequence += 1;
  return {
    email: `customer-${process.pid}-${sequence}-${crypto.randomUUID().slice(0, 8)}@example.com`,
    password: 'correct horse battery staple',
    name: `Customer ${sequence}`,
    ...overrides,
  };
}

/** The login body for a registration. */
export const credentials = ({ email, password }: { email: string; password: string }) => ({
  email,
  password,
});

export const problemType = /^application\/problem\+json/;

/**
 * Fails `failures` logins for one account on `first`, then checks that `second` refuses the account too
 * (429 with Retry-After): the limit is shared through Redis, not kept per replica.
 */
export async function expectLockoutSharedBetweenReplicas(
  first: AuthTestContext,
  second: AuthTestContext,
  failures: number,
) {
  const { email } = newCustomer();
  for (let i = 0; i < failures; i += 1) {
    await first.http
      .post('/api/v1/auth/login')
      .send({ email, password: `wrong password ${i}` })
      .expect(401);
  }
  const res = await second.http
    .post('/api/v1/auth/login')
    .send({ email, password: 'any password at all' })
    .expect(429);
  assert.equal(res.body.code, 'AUTH_ERR_TOO_MANY_ATTEMPTS');
  assert.ok(Number(res.headers['retry-after']) > 0);
}
