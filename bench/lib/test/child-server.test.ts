import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startChildServer } from '../child-server.ts';
import { runLoad } from '../load.ts';

const fixture = (file: string) => new URL(`./fixtures/${file}`, import.meta.url);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('when a server module starts in a child, then it answers on 127.0.0.1 with the environment it was given', async () => {
  const server = await startChildServer({
    name: 'echo',
    entry: fixture('echo.server.ts'),
    env: { BENCH_TEST_REPLY: 'from the child' },
  });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.pid, process.pid);
    const response = await fetch(server.url);
    assert.equal(await response.text(), 'from the child');
  } finally {
    await server.stop();
  }
  assert.equal(isAlive(server.pid), false);
});

test('when load runs against a child server, then its CPU time grows and every response counts', async () => {
  const server = await startChildServer({ name: 'echo', entry: fixture('echo.server.ts') });
  try {
    const before = await server.cpuSeconds();
    const load = await runLoad({ url: server.url, connections: 4, durationSeconds: 1 });
    const after = await server.cpuSeconds();
    assert.ok(after > before, `CPU seconds went from ${before} to ${after}`);
    assert.ok(load.responses > 0);
    assert.equal(load.rps, load.responses / load.durationSeconds);
  } finally {
    await server.stop();
  }
});

test('when the server module exits before listening, then start fails with its output and what to do', async () => {
  await assert.rejects(
    startChildServer({ name: 'broken', entry: fixture('crashing.server.ts') }),
    (error: Error) => {
      assert.match(error.message, /'broken'.*exited \(code 3/s);
      assert.match(error.message, /the fixture database is missing/);
      assert.match(error.message, /Fix the server module/);
      return true;
    },
  );
});

test('when a server ignores SIGTERM, then stop kills it after the grace period', async () => {
  const server = await startChildServer({
    name: 'stubborn',
    entry: fixture('stubborn.server.ts'),
    stopGraceMs: 200,
  });
  await server.stop();
  assert.equal(isAlive(server.pid), false);
});

test('when a server answers errors, then the load run is refused rather than counted as throughput', async () => {
  const server = await startChildServer({
    name: 'failing',
    entry: fixture('echo.server.ts'),
    env: { BENCH_TEST_STATUS: '503' },
  });
  try {
    await assert.rejects(
      runLoad({ url: server.url, connections: 2, durationSeconds: 1 }),
      /[1-9]\d* non-2xx responses/,
    );
  } finally {
    await server.stop();
  }
});
