import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createTestDatabase, findFreePorts, startAppProcess } from '../src/index.ts';

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

test('when the port picked for an app is taken before it binds, then it starts on other ports instead of failing', async () => {
  // Another process binds the first port picked, as a parallel test's server can between pick and bind.
  const squatter = createServer();
  squatter.listen(0, '127.0.0.1');
  await once(squatter, 'listening');
  const taken = (squatter.address() as { port: number }).port;
  const picks: number[][] = [];
  const freePorts = async (count: number) => {
    const ports =
      picks.length === 0 ? [taken, ...(await findFreePorts(count - 1))] : await findFreePorts(count);
    picks.push(ports);
    return ports;
  };
  const database = await createTestDatabase('app_port');
  try {
    const sandbox = await startAppProcess({
      app: 'payment-sandbox',
      env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', PAYMENT_SANDBOX_DATABASE_URL: database.url },
      freePorts,
    });
    try {
      assert.equal(picks.length, 2, 'it should have tried exactly twice');
      assert.notEqual(sandbox.port, taken);
      assert.equal((await fetch(`${sandbox.url}/ready`)).status, 200);
    } finally {
      await sandbox.dispose();
    }
  } finally {
    squatter.close();
    await database.drop();
  }
});
