import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@shop/platform';
import { loadGatewayConfig } from '../src/config.ts';

const production = {
  NODE_ENV: 'production',
  AUTH_JWKS_URL: 'https://auth.shop.example/.well-known/jwks.json',
  AUTH_SERVICE_URL: 'http://auth:3001',
  PRODUCT_SERVICE_URL: 'http://product:3002',
  ORDER_SERVICE_URL: 'http://order:3003',
  PAYMENT_SERVICE_URL: 'http://payment:3004',
  REDIS_URL: 'redis://redis:6379',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

test('when production names every upstream and Redis, then the config loads with those and no CORS origin', () => {
  const config = loadGatewayConfig(production);
  assert.deepEqual(config.upstreams, {
    auth: 'http://auth:3001',
    product: 'http://product:3002',
    order: 'http://order:3003',
    payment: 'http://payment:3004',
  });
  assert.deepEqual(config.webOrigins, []);
  assert.deepEqual(loadGatewayConfig({ ...production, WEB_ORIGIN: 'https://shop.example' }).webOrigins, [
    'https://shop.example',
  ]);
});

test('when production leaves out an upstream or Redis, then it refuses to start naming each', () => {
  const {
    AUTH_SERVICE_URL: _auth,
    PRODUCT_SERVICE_URL: _product,
    ORDER_SERVICE_URL: _order,
    PAYMENT_SERVICE_URL: _payment,
    REDIS_URL: _redis,
    ...bare
  } = production;
  const missing = problemsOf(bare);
  assert.equal(missing.length, 5, missing.join('\n'));
  for (const name of ['AUTH', 'PRODUCT', 'ORDER', 'PAYMENT']) {
    assert.ok(missing.some((p) => p.startsWith(`${name}_SERVICE_URL: required in production`)));
  }
  assert.ok(missing.some((p) => p.startsWith('REDIS_URL or REDIS_CLUSTER_NODES: required in production')));
  // NODE_ENV unset is production too.
  const { NODE_ENV: _env, ...unset } = bare;
  assert.equal(problemsOf(unset).length, 5);
});

test('when an upstream URL has a path or is not http(s), or a limit is 0, then the config is refused', () => {
  assert.ok(problemsOf({ ...production, ORDER_SERVICE_URL: 'http://order:3003/api' }).length > 0);
  assert.ok(problemsOf({ ...production, ORDER_SERVICE_URL: 'ftp://order' }).length > 0);
  assert.ok(problemsOf({ ...production, RATE_LIMIT_LOGIN: '0' }).length > 0);
  assert.ok(problemsOf({ ...production, WEB_ORIGIN: 'https://shop.example/' }).length > 0);
});

test('when development leaves the upstreams and CORS unset, then the embedded start defaults apply', () => {
  const config = loadGatewayConfig({ NODE_ENV: 'development' });
  assert.equal(config.upstreams.product, 'http://127.0.0.1:3002');
  assert.equal(config.upstreams.payment, 'http://127.0.0.1:3004');
  assert.deepEqual(config.webOrigins, ['http://localhost:3000']);
  assert.equal(config.REDIS_URL, undefined);
});
