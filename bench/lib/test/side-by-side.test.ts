import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChildServer } from '../child-server.ts';
import { compareSideBySide, type Contender } from '../side-by-side.ts';

const echo = (name: string): Contender => ({
  name,
  entry: new URL('./fixtures/echo.server.ts', import.meta.url),
  env: { BENCH_TEST_REPLY: name },
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const quick = { path: '/', connections: 2, warmupSeconds: 1, runSeconds: 1, rounds: 2 };

test('when two servers are compared, then each is loaded once per round and reported with its medians', async () => {
  const messages: string[] = [];
  let seen: readonly ChildServer[] = [];
  const results = await compareSideBySide({
    ...quick,
    contenders: [echo('first'), echo('second')],
    progress: (message) => messages.push(message),
    beforeLoad: async (servers) => {
      seen = servers;
      assert.deepEqual(await Promise.all(servers.map(async (s) => (await fetch(s.url)).text())), [
        'first',
        'second',
      ]);
    },
  });

  assert.deepEqual(
    results.map((r) => r.name),
    ['first', 'second'],
  );
  for (const result of results) {
    assert.deepEqual(
      result.runs.map((run) => run.round),
      [1, 2],
    );
    assert.ok(
      result.runs.every((run) => run.rps > 0 && run.serverCpuCores > 0 && run.responsesPerCpuSecond > 0),
    );
    const [a, b] = result.runs.map((run) => run.rps) as [number, number];
    assert.equal(result.medianRps, Math.round((a + b) / 2));
  }
  const loads = messages.filter((m) => m.includes('loading'));
  assert.deepEqual(
    loads.map((m) => m.match(/'(\w+)'/)![1]),
    ['first', 'second', 'first', 'second'],
  );
  assert.equal(seen.length, 2);
  assert.ok(
    seen.every((server) => !isAlive(server.pid)),
    'servers are stopped after the comparison',
  );
});

test('when the pre-load check fails, then no load runs, the servers are stopped and the error surfaces', async () => {
  let seen: readonly ChildServer[] = [];
  const messages: string[] = [];
  await assert.rejects(
    compareSideBySide({
      ...quick,
      contenders: [echo('first'), echo('second')],
      progress: (message) => messages.push(message),
      beforeLoad: async (servers) => {
        seen = servers;
        throw new Error('they answer different bytes');
      },
    }),
    /different bytes/,
  );
  assert.equal(messages.filter((m) => m.includes('warming') || m.includes('loading')).length, 0);
  assert.ok(seen.length === 2 && seen.every((server) => !isAlive(server.pid)));
});
