import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import {
  jwtVerifyEnv,
  jwtVerifyEnvProblems,
  loadConfig,
  platformEnv,
  requiredInProduction,
} from '../../src/index.ts';

const PUBLISHED_TOKEN = 'published-development-token-0123456789';

const requirements = {
  BROKERS: 'host:port,...',
  'CACHE_URL or CACHE_NODES': { hint: 'the shared cache', satisfied: false },
  TOKEN: { hint: 'at least 32 characters', refused: [PUBLISHED_TOKEN] },
};

describe('requiredInProduction', () => {
  test('when production lacks required variables, then one problem per requirement says what to set', () => {
    const problems = requiredInProduction({ NODE_ENV: 'production', BROKERS: '' }, requirements);
    assert.deepEqual(problems, [
      'BROKERS: required in production (host:port,...)',
      'CACHE_URL or CACHE_NODES: required in production (the shared cache)',
      'TOKEN: required in production (at least 32 characters)',
    ]);
  });

  test('when production sets a published development value explicitly, then it is refused without being printed', () => {
    const problems = requiredInProduction(
      { NODE_ENV: 'production', BROKERS: 'kafka:9092', TOKEN: PUBLISHED_TOKEN },
      { ...requirements, 'CACHE_URL or CACHE_NODES': { hint: 'the shared cache', satisfied: true } },
    );
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0] ?? '',
      /^TOKEN: the published development value is refused in production; set one/,
    );
    assert.ok(!problems[0]?.includes(PUBLISHED_TOKEN));
  });

  test('when every requirement is met in production, then there is no problem', () => {
    const config = {
      NODE_ENV: 'production',
      BROKERS: 'kafka:9092',
      TOKEN: 'a-token-of-our-own-0123456789abcdef',
    };
    assert.deepEqual(
      requiredInProduction(config, {
        ...requirements,
        'CACHE_URL or CACHE_NODES': { hint: 'x', satisfied: true },
      }),
      [],
    );
  });

  test('when the environment is not production, then nothing is required and development values pass', () => {
    for (const NODE_ENV of ['development', 'test']) {
      assert.deepEqual(requiredInProduction({ NODE_ENV, TOKEN: PUBLISHED_TOKEN }, requirements), []);
    }
  });
});

describe('jwtVerifyEnvProblems', () => {
  const Schema = Type.Object({ ...platformEnv, ...jwtVerifyEnv });
  const problemsOf = (env: Record<string, string>) => jwtVerifyEnvProblems(loadConfig(Schema, env));

  test('when production verifies tokens against an http JWKS, then start-up is refused saying what to set', () => {
    const [problem, ...rest] = problemsOf({ NODE_ENV: 'production' });
    assert.deepEqual(rest, []);
    assert.match(problem ?? '', /^AUTH_JWKS_URL: must be https:\/\/ in production/);
    assert.match(problem ?? '', /AUTH_JWKS_INSECURE_MESH=true/);
    assert.equal(
      problemsOf({ NODE_ENV: 'production', AUTH_JWKS_URL: 'http://auth.shop.svc:3001/.well-known/jwks.json' })
        .length,
      1,
    );
  });

  test('when production uses https, or marks the hop as inside a mesh, then the JWKS URL is accepted', () => {
    assert.deepEqual(
      problemsOf({
        NODE_ENV: 'production',
        AUTH_JWKS_URL: 'https://auth.shop.example/.well-known/jwks.json',
      }),
      [],
    );
    assert.deepEqual(
      problemsOf({
        NODE_ENV: 'production',
        AUTH_JWKS_URL: 'http://auth.shop.svc:3001/.well-known/jwks.json',
        AUTH_JWKS_INSECURE_MESH: 'true',
      }),
      [],
    );
  });

  test('when the environment is development, then the local http JWKS is accepted', () => {
    assert.deepEqual(problemsOf({ NODE_ENV: 'development' }), []);
  });
});
