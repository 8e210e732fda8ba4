import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SERVICE_CALLS } from '@shop/contracts';
import { ConfigError, devServiceClientSecret } from '@shop/platform';
import { DEV_ADMIN, loadAuthConfig } from '../src/config.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g';
const clients = [{ id: 'order', secretHashes: [HASH], scopes: { product: ['products:lookup'] } }];

const base = { AUTH_DATABASE_URL: 'postgres://auth@db/auth' };
const production = {
  ...base,
  NODE_ENV: 'production',
  REDIS_URL: 'redis://redis:6379',
  AUTH_SIGNING_KEYS: '[{"kid":"k1"}]',
  SERVICE_CLIENTS: JSON.stringify(clients),
};

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadAuthConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadAuthConfig', () => {
  test('when production lacks REDIS_URL, AUTH_SIGNING_KEYS and the service clients, then it refuses to load and says what each is for', () => {
    const problems = problemsOf({ ...base, NODE_ENV: 'production' });
    assert.equal(problems.length, 3);
    assert.match(
      problems[0] ?? '',
      /^REDIS_URL or REDIS_CLUSTER_NODES: required in production \(so login and sign-up limits hold/,
    );
    assert.match(problems[1] ?? '', /^AUTH_SIGNING_KEYS: required in production \(so every replica signs/);
    assert.match(problems[2] ?? '', /^SERVICE_CLIENTS or SERVICE_CLIENTS_FILE: required in production/);
  });

  test('when production is given the published admin password, then it refuses to load', () => {
    const problems = problemsOf({
      ...production,
      ADMIN_EMAIL: 'ops@example.com',
      ADMIN_PASSWORD: DEV_ADMIN.password,
    });
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? '',
      /^ADMIN_PASSWORD: the published development value is refused in production/,
    );
    assert.ok(!problems[0]?.includes(DEV_ADMIN.password), 'the published password is not repeated');
  });

  test('when production has what it needs, then no development admin is seeded', () => {
    const config = loadAuthConfig(production);
    assert.equal(config.ADMIN_EMAIL, undefined);
    assert.equal(config.ADMIN_PASSWORD, undefined);
  });

  test('when outside production, then the development admin is seeded and Redis and keys may be absent', () => {
    const config = loadAuthConfig({ ...base, NODE_ENV: 'development' });
    assert.equal(config.ADMIN_EMAIL, DEV_ADMIN.email);
    assert.equal(config.ADMIN_PASSWORD, DEV_ADMIN.password);
  });

  test('when outside production no clients are configured, then every service of SERVICE_CALLS gets its development client', () => {
    const config = loadAuthConfig({ ...base, NODE_ENV: 'development' });
    assert.deepEqual(
      config.serviceClients,
      Object.entries(SERVICE_CALLS).map(([id, scopes]) => ({
        id,
        scopes,
        secret: devServiceClientSecret(id),
      })),
    );
  });

  test('when production names its clients, in the variable or in a file, then exactly those are loaded', () => {
    assert.deepEqual(loadAuthConfig(production).serviceClients, clients);
    const file = join(mkdtempSync(join(tmpdir(), 'auth-clients-')), 'clients.json');
    writeFileSync(file, JSON.stringify(clients));
    const { SERVICE_CLIENTS: _inline, ...rest } = production;
    assert.deepEqual(loadAuthConfig({ ...rest, SERVICE_CLIENTS_FILE: file }).serviceClients, clients);
    assert.match(
      problemsOf({ ...production, SERVICE_CLIENTS_FILE: file }).join(),
      /set one of them, not both/,
    );
    assert.match(problemsOf({ ...rest, SERVICE_CLIENTS_FILE: `${file}.missing` }).join(), /cannot read/);
  });

  test('when the clients are malformed, then each problem is named without echoing the value', () => {
    const problems = (value: unknown) =>
      problemsOf({
        ...production,
        SERVICE_CLIENTS: typeof value === 'string' ? value : JSON.stringify(value),
      });
    assert.match(problems('not json, secret-ish').join(), /SERVICE_CLIENTS: is not JSON/);
    assert.doesNotMatch(problems('not json, secret-ish').join(), /secret-ish/);
    assert.match(problems([{ ...clients[0], secretHashes: ['plain-secret'] }]).join(), /secretHashes/);
    assert.match(problems([{ ...clients[0], secretHashes: [HASH, HASH, HASH] }]).join(), /secretHashes/);
    assert.match(problems([...clients, ...clients]).join(), /the client order is listed twice/);
    assert.match(
      problems([{ ...clients[0], scopes: { product: ['orders:read'], mars: ['x:y'] } }]).join('\n'),
      /order is granted orders:read on product, which no service grants[\s\S]*x:y on mars/,
    );
  });
});
