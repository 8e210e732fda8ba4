import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAppProcess } from '../src/index.ts';

// The happy path (a real product service, stopped and disposed) runs in apps/order/test/support's users.

test('when an app cannot start, then the error says so with the tail of its log, where its config error names the variable', async () => {
  await assert.rejects(
    startAppProcess({ app: 'product', env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' } }),
    (error: Error) => {
      assert.match(
        error.message,
        /the product service on http:\/\/127\.0\.0\.1:\d+ failed to start: it exited/,
      );
      assert.match(error.message, /Server log: .*shop-testing-app-product-/);
      assert.match(error.message, /PRODUCT_DATABASE_URL: required but not set/);
      return true;
    },
  );
});

test("when an app starts, then it gets none of the test process's infrastructure variables", async () => {
  // The test kit's own PostgreSQL URL must not reach the app: it sees only what `env` gives it.
  process.env['PRODUCT_DATABASE_URL'] = 'postgresql://leaked:leaked@127.0.0.1:1/leaked';
  try {
    await assert.rejects(
      startAppProcess({ app: 'product', env: { NODE_ENV: 'test' } }),
      /required but not set/,
    );
  } finally {
    delete process.env['PRODUCT_DATABASE_URL'];
  }
});
