import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HARNESS = fileURLToPath(new URL('../../../tools/bench.ts', import.meta.url));

const BENCHES = {
  'steady.bench.ts': `export default async function (ctx) {
    ctx.progress('measuring');
    return [
      { name: 'fast_enough', value: 2, unit: 'ratio', goal: { op: '>=', value: 1 } },
      { name: 'too_slow', value: 0.5, unit: 'ratio', goal: { op: '>=', value: 0.85 }, detail: { medianRps: 1234 } },
    ];
  }`,
  'crashing.bench.ts': `export default async function () { throw new Error('the fixture broker is down'); }`,
  'garbage.bench.ts': `export default async function () { return [{ name: 'not_a_number', value: Number.NaN }]; }`,
};

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-harness-'));
  for (const [file, source] of Object.entries(BENCHES)) await writeFile(join(dir, file), source);
});
after(() => rm(dir, { recursive: true, force: true }));

function runHarness(...names: string[]) {
  const result = spawnSync(process.execPath, [HARNESS, ...names], {
    env: { ...process.env, BENCH_DIR: dir },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function latest() {
  return JSON.parse(await readFile(join(dir, 'results', 'latest.json'), 'utf8'));
}

test('when a goal is missed, then the run still exits 0 and the table and results say which', async () => {
  const run = runHarness('steady');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /fast_enough\s+2 ratio\s+>= 1\s+met/);
  assert.match(run.stdout, /too_slow\s+0\.5 ratio\s+>= 0\.85\s+MISSED/);
  assert.match(run.stdout, /too_slow: medianRps=1,234/);
  assert.match(run.stderr, /\[steady\] measuring/);

  const results = await latest();
  assert.ok(!Number.isNaN(Date.parse(results.startedAt)));
  assert.equal(results.machine.node, process.version);
  assert.ok(results.machine.cpus >= 1);
  assert.deepEqual(
    results.figures.map((f: { bench: string; name: string; met: boolean }) => [f.bench, f.name, f.met]),
    [
      ['steady', 'fast_enough', true],
      ['steady', 'too_slow', false],
    ],
  );
});

test('when one bench crashes, then the others still run, the crash is recorded and the exit code is 1', async () => {
  const run = runHarness();
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\[crashing\] CRASHED: Error: the fixture broker is down/);
  assert.match(run.stderr, /\[garbage\] CRASHED: .*not_a_number.*NaN/);

  const results = await latest();
  assert.deepEqual(
    results.benches.map((b: { name: string; error?: string }) => [b.name, b.error !== undefined]),
    [
      ['crashing', true],
      ['garbage', true],
      ['steady', false],
    ],
  );
  assert.equal(results.figures.length, 2);
});

test('when an unknown bench is named, then nothing runs and the available ones are listed', () => {
  const run = runHarness('nonexistent');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /No bench named nonexistent: choose from crashing, garbage, steady/);
});
