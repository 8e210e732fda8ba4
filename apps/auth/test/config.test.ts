import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@shop/platform';
import { DEV_ADMIN, loadAuthConfig } from '../src/config.ts';

const base = { AUTH_DATABASE_URL: 'postgres://auth@db/auth' };
const production = {
  ...base,
  NODE_ENV: 'production',
  REDIS_URL: 'redis://redis:6379',
  AUTH_SIGNING_KEYS: '[{"kid":"k1"}]',
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
  test('when production lacks REDIS_URL and AUTH_SIGNING_KEYS, then it refuses to load and says what each is for', () => {
    const problems = problemsOf({ ...base, NODE_ENV: 'production' });
    assert.equal(problems.length, 2);
    assert.match(
      problems[0] ?? '',
      /^REDIS_URL or REDIS_CLUSTER_NODES: required in production \(so login and sign-up limits hold/,
    );
    assert.match(problems[1] ?? '', /^AUTH_SIGNING_KEYS: required in production \(so every replica signs/);
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
});
