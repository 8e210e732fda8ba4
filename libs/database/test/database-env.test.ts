import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig, type ConfigError } from '@shop/platform';
import { Type } from 'typebox';
import { databaseEnv, databaseSettingsFrom } from '../src/index.ts';

const OrderEnv = Type.Object({ ...databaseEnv('ORDER') });

test("when a service spreads databaseEnv('ORDER'), then ORDER_DATABASE_URL is required and the pool settings default", () => {
  const config = loadConfig(OrderEnv, { ORDER_DATABASE_URL: 'postgresql://order@db/order' });
  assert.deepEqual(databaseSettingsFrom('ORDER', config), {
    databaseUrl: 'postgresql://order@db/order',
    poolSize: 10,
    connectTimeoutMs: 5_000,
  });
  assert.throws(
    () => loadConfig(OrderEnv, {}),
    (error: ConfigError) => error.problems.includes('ORDER_DATABASE_URL: required but not set'),
  );
});

test('when the database settings are malformed, then each one is named', () => {
  assert.throws(
    () =>
      loadConfig(OrderEnv, {
        ORDER_DATABASE_URL: 'mysql://order@db/order',
        DATABASE_POOL_SIZE: '0',
        DATABASE_CONNECT_TIMEOUT_MS: '10',
      }),
    (error: ConfigError) =>
      ['ORDER_DATABASE_URL', 'DATABASE_POOL_SIZE', 'DATABASE_CONNECT_TIMEOUT_MS'].every((name) =>
        error.problems.some((problem) => problem.startsWith(name)),
      ),
  );
});
