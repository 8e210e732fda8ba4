import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@shop/platform';
import { loadProductConfig } from '../../src/config.ts';

const env = { PRODUCT_DATABASE_URL: 'postgresql://shop@127.0.0.1:5432/product' };

test('when Kafka SASL is half configured, then start-up fails naming the missing variables', () => {
  assert.throws(
    () => loadProductConfig({ ...env, KAFKA_BROKERS: 'kafka:9096', KAFKA_SASL_MECHANISM: 'scram-sha-512' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: both required with KAFKA_SASL_MECHANISM=scram-sha-512',
      ]);
      return true;
    },
  );
});

test('when an unknown SASL mechanism is given, then the schema refuses it', () => {
  assert.throws(() => loadProductConfig({ ...env, KAFKA_SASL_MECHANISM: 'gssapi' }), /KAFKA_SASL_MECHANISM/);
});

test('when production lacks Redis, Kafka and the internal token, then every one is named at once', () => {
  assert.throws(
    () => loadProductConfig({ ...env, NODE_ENV: 'production' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((problem) => problem.split(':')[0]),
        ['INTERNAL_API_TOKEN', 'REDIS_URL or REDIS_CLUSTER_NODES', 'KAFKA_BROKERS'],
      );
      return true;
    },
  );
});
