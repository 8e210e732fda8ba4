import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@shop/platform';
import { loadProductConfig } from '../../src/config.ts';

const env = { NODE_ENV: 'test', PRODUCT_DATABASE_URL: 'postgresql://shop@127.0.0.1:5432/product' };
const production = {
  PRODUCT_DATABASE_URL: 'postgresql://shop@127.0.0.1:5432/product',
  NODE_ENV: 'production',
  REDIS_URL: 'redis://redis:6379',
  KAFKA_BROKERS: 'kafka:9092',
  AUTH_JWKS_URL: 'https://auth.shop.example/.well-known/jwks.json',
};

function problemsOf(environment: Record<string, string>): readonly string[] {
  try {
    loadProductConfig(environment);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected loadProductConfig to throw');
}

const variablesIn = (problems: readonly string[]) => problems.map((problem) => problem.split(':')[0]);

test('when Kafka SASL is half configured, then start-up fails naming the missing variables', () => {
  assert.deepEqual(
    problemsOf({ ...env, KAFKA_BROKERS: 'kafka:9096', KAFKA_SASL_MECHANISM: 'scram-sha-512' }),
    ['KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: both required with KAFKA_SASL_MECHANISM=scram-sha-512'],
  );
});

test('when an unknown SASL mechanism is given, then the schema refuses it', () => {
  assert.throws(() => loadProductConfig({ ...env, KAFKA_SASL_MECHANISM: 'gssapi' }), /KAFKA_SASL_MECHANISM/);
});

test('when production lacks Redis, Kafka and an https JWKS, then every one is named at once', () => {
  assert.deepEqual(variablesIn(problemsOf({ ...env, NODE_ENV: 'production' })), [
    'AUTH_JWKS_URL',
    'REDIS_URL or REDIS_CLUSTER_NODES',
    'KAFKA_BROKERS',
  ]);
});

test('when NODE_ENV is not set at all, then the production requirements apply (no development defaults)', () => {
  const { NODE_ENV: _unset, ...withoutNodeEnv } = env;
  assert.deepEqual(
    variablesIn(problemsOf(withoutNodeEnv)),
    variablesIn(problemsOf({ ...env, NODE_ENV: 'production' })),
  );
});

test('when production names everything it needs, then it starts and listens on every interface', () => {
  const config = loadProductConfig(production);
  assert.equal(config.HOST, '0.0.0.0');
});
