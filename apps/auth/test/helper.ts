import path from 'node:path';
import { migrate } from '@shop/database';
import type { Service } from '@shop/platform';
import { createTestDatabase } from '@shop/testing';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import supertest from 'supertest';
import { createAuthService } from '../src/app.ts';
import { loadAuthConfig, type AuthConfig } from '../src/config.ts';

export const appDir = path.resolve(import.meta.dirname, '..');

export interface TestSigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** Signs a token with the service's own key, for claims the service would never issue itself. */
  sign(
    claims: Record<string, unknown>,
    opts?: { expiresIn?: string | number; audience?: string; issuer?: string },
  ): Promise<string>;
}

async function testSigningKey(config: Pick<AuthConfig, 'AUTH_ISSUER' | 'AUTH_AUDIENCE'>, kid: string) {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const key: TestSigningKey = {
    kid,
    privateKey,
    sign: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .setIssuer(opts.issuer ?? config.AUTH_ISSUER)
        .setAudience(opts.audience ?? config.AUTH_AUDIENCE)
        .setSubject(String(claims['sub'] ?? 'someone'))
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? '5m')
        .sign(privateKey),
  };
  return { key, jwk: { ...(await exportJWK(privateKey)), kid } };
}

export interface AuthTestContext {
  app: Service;
  http: ReturnType<typeof supertest>;
  config: AuthConfig;
  databaseUrl: string;
  signingKey: TestSigningKey;
  /** Closes the service and drops its database. */
  close(): Promise<void>;
}

/**
 * The auth service on a fresh, migrated database of its own, with a signing key the test knows, closed when
 * the caller closes it. `env` overrides configuration (e.g. throttling limits, REDIS_URL).
 */
export async function startAuth(env: Record<string, string> = {}): Promise<AuthTestContext> {
  const db = await createTestDatabase('auth');
  await migrate({ databaseUrl: db.url, migrationsDir: path.join(appDir, 'prisma', 'migrations') });
  const base = { AUTH_ISSUER: 'https://auth.test', AUTH_AUDIENCE: 'shop-api-test' };
  const { key, jwk } = await testSigningKey(base, `test-${crypto.randomUUID()}`);
  const config = loadAuthConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AUTH_DATABASE_URL: db.url,
    AUTH_SIGNING_KEYS: JSON.stringify([jwk]),
    ...base,
    ...env,
  });
  const app = await createAuthService(config);
  await app.ready();
  const close = async () => {
    await app.close();
    await db.drop();
  };
  return { app, http: supertest(app.server), config, databaseUrl: db.url, signingKey: key, close };
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
