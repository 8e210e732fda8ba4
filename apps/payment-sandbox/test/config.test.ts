import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEV_SANDBOX_API_KEY, DEV_SANDBOX_WEBHOOK_SECRET } from '@shop/contracts';
import { ConfigError } from '@shop/platform';
import { loadPaymentSandboxConfig } from '../src/config.ts';

const DB = { PAYMENT_SANDBOX_DATABASE_URL: 'postgres://sandbox@db/shop_payment_sandbox' };
const OWN_KEY = 'sk_live_sandbox_production_key_0123456789';
const OWN_SECRET = 'whsec_production_secret_0123456789abcdef';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadPaymentSandboxConfig(env);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
};

test('when NODE_ENV is unset (production) without an API key, or with the published one, then the start is refused', () => {
  assert.match(String(problemsOf({ ...DB })), /SANDBOX_API_KEY: required in production/);
  assert.match(
    String(problemsOf({ ...DB, SANDBOX_API_KEY: DEV_SANDBOX_API_KEY })),
    /SANDBOX_API_KEY: the published/,
  );
  assert.doesNotThrow(() => loadPaymentSandboxConfig({ ...DB, SANDBOX_API_KEY: OWN_KEY }));
});

test('when production sends webhooks, then it needs a webhook secret of its own', () => {
  const withUrl = {
    ...DB,
    SANDBOX_API_KEY: OWN_KEY,
    SANDBOX_WEBHOOK_URL: 'https://payment/webhooks/sandbox',
  };
  assert.match(String(problemsOf(withUrl)), /SANDBOX_WEBHOOK_SECRET: required in production/);
  assert.match(
    String(problemsOf({ ...withUrl, SANDBOX_WEBHOOK_SECRET: DEV_SANDBOX_WEBHOOK_SECRET })),
    /SANDBOX_WEBHOOK_SECRET: the published/,
  );
  assert.equal(
    loadPaymentSandboxConfig({ ...withUrl, SANDBOX_WEBHOOK_SECRET: OWN_SECRET }).SANDBOX_WEBHOOK_SECRET,
    OWN_SECRET,
  );
});

test('when outside production nothing is set, then the development key and secret are used', () => {
  const config = loadPaymentSandboxConfig({ ...DB, NODE_ENV: 'development' });
  assert.equal(config.SANDBOX_API_KEY, DEV_SANDBOX_API_KEY);
  assert.equal(config.SANDBOX_WEBHOOK_SECRET, DEV_SANDBOX_WEBHOOK_SECRET);
  assert.equal(config.SANDBOX_TIMEOUT_DELAY_MS, 10_000);
  assert.equal(config.SANDBOX_PROCESSING_DELAY_MS, 2_000);
});

test('when a fault setting is out of range, then the start is refused naming it', () => {
  assert.match(
    String(problemsOf({ ...DB, NODE_ENV: 'test', SANDBOX_FAILURE_RATE: '1.5' })),
    /SANDBOX_FAILURE_RATE/,
  );
  assert.match(
    String(problemsOf({ ...DB, NODE_ENV: 'test', SANDBOX_LATENCY_MS: '-1' })),
    /SANDBOX_LATENCY_MS/,
  );
});
