import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConfigError,
  DEV_AUTH_TOKEN_URL,
  devServiceClientSecret,
  serviceCredentialsFrom,
} from '@shop/platform';
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
  SERVICE_CLIENT_SECRET: 'a-production-client-secret-of-at-least-32-chars',
  AUTH_TOKEN_URL: 'https://auth.shop.example/api/v1/auth/oauth/token',
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

test('when production names Redis, Kafka, the product service and its client at the auth service, then the config loads', () => {
  const config = loadOrderConfig(production);
  assert.equal(config.PRODUCT_SERVICE_URL, 'http://product:3002');
  assert.deepEqual(serviceCredentialsFrom(config), {
    tokenUrl: production.AUTH_TOKEN_URL,
    clientId: 'order',
    clientSecret: production.SERVICE_CLIENT_SECRET,
  });
});

test('when production leaves out Redis, Kafka, the product service, the client secret or the token URL, or uses the published secret, then it refuses to start naming each', () => {
  const {
    REDIS_URL: _redis,
    PRODUCT_SERVICE_URL: _url,
    SERVICE_CLIENT_SECRET: _secret,
    AUTH_TOKEN_URL: _tokenUrl,
    KAFKA_BROKERS: _kafka,
    ...bare
  } = production;
  const missing = problemsOf(bare);
  assert.equal(missing.length, 5, missing.join('\n'));
  assert.ok(missing.some((p) => p.startsWith('KAFKA_BROKERS: required in production')));
  assert.ok(missing.some((p) => p.startsWith('REDIS_URL or REDIS_CLUSTER_NODES: required in production')));
  assert.ok(missing.some((p) => p.startsWith('PRODUCT_SERVICE_URL: required in production')));
  assert.ok(missing.some((p) => p.startsWith('SERVICE_CLIENT_SECRET: required in production')));
  assert.ok(missing.some((p) => p.startsWith('AUTH_TOKEN_URL: required in production')));

  const published = problemsOf({ ...production, SERVICE_CLIENT_SECRET: devServiceClientSecret('order') });
  assert.equal(published.length, 1);
  assert.match(published[0]!, /^SERVICE_CLIENT_SECRET: the published development value is refused/);
});

test('when the embedded start sets nothing, then carts stay in the process, and the product and auth services are the local ones', () => {
  const config = loadOrderConfig({ ...base, NODE_ENV: 'development' });
  assert.equal(config.REDIS_URL, undefined);
  assert.equal(config.PRODUCT_SERVICE_URL, 'http://127.0.0.1:3002');
  assert.deepEqual(serviceCredentialsFrom(config), {
    tokenUrl: DEV_AUTH_TOKEN_URL,
    clientId: 'order',
    clientSecret: devServiceClientSecret('order'),
  });
  assert.equal(config.CART_KEY_PREFIX, 'cart:');
});
