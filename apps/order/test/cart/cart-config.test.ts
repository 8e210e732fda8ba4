import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEV_INTERNAL_API_TOKEN } from '@shop/platform';
import { loadOrderConfig } from '../../src/config.ts';

const base = {
  ORDER_DATABASE_URL: 'postgresql://order:secret@db:5432/orders',
  AUTH_JWKS_URL: 'https://auth.shop.example/.well-known/jwks.json',
};
const production = {
  ...base,
  NODE_ENV: 'production',
  REDIS_URL: 'redis://redis:6379',
  PRODUCT_SERVICE_URL: 'http://product:3002',
  INTERNAL_API_TOKEN: 'a-production-token-of-at-least-32-chars',
  KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadOrderConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

test('when production names Redis, Kafka, the product service and its own token, then the config loads', () => {
  const config = loadOrderConfig(production);
  assert.equal(config.PRODUCT_SERVICE_URL, 'http://product:3002');
  assert.equal(config.INTERNAL_API_TOKEN, production.INTERNAL_API_TOKEN);
});

test('when production leaves out Redis, Kafka, the product service or the token, or uses the published token, then it refuses to start naming each', () => {
  const {
    REDIS_URL: _redis,
    PRODUCT_SERVICE_URL: _url,
    INTERNAL_API_TOKEN: _token,
    KAFKA_BROKERS: _kafka,
    ...bare
  } = production;
  const missing = problemsOf(bare);
  assert.equal(missing.length, 4, missing.join('\n'));
  assert.ok(missing.some((p) => p.startsWith('KAFKA_BROKERS: required in production')));
  assert.ok(missing.some((p) => p.startsWith('REDIS_URL or REDIS_CLUSTER_NODES: required in production')));
  assert.ok(missing.some((p) => p.startsWith('PRODUCT_SERVICE_URL: required in production')));
  assert.ok(missing.some((p) => p.startsWith('INTERNAL_API_TOKEN: required in production')));

  const published = problemsOf({ ...production, INTERNAL_API_TOKEN: DEV_INTERNAL_API_TOKEN });
  assert.equal(published.length, 1);
  assert.match(published[0]!, /^INTERNAL_API_TOKEN: the published development value is refused/);
});

test('when the embedded start sets nothing, then carts stay in the process and the product service is the local one', () => {
  const config = loadOrderConfig({ ...base, NODE_ENV: 'development' });
  assert.equal(config.REDIS_URL, undefined);
  assert.equal(config.PRODUCT_SERVICE_URL, 'http://127.0.0.1:3002');
  assert.equal(config.INTERNAL_API_TOKEN, DEV_INTERNAL_API_TOKEN);
  assert.equal(config.CART_KEY_PREFIX, 'cart:');
});
