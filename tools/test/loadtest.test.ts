import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// The k6 script compose's loadtest profile runs (loadtest/checkout.js) is JavaScript that k6 runs as it
// is; tsc type-checks it against @types/k6 (checkJs), which catches a misspelt API or a wrong argument.

const ROOT = join(import.meta.dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function tsc(project: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TSC, '-p', project], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the k6 load test', () => {
  it('when loadtest/checkout.js is type-checked against @types/k6, then it passes', () => {
    const { status, output } = tsc(join(ROOT, 'loadtest', 'tsconfig.json'));
    assert.equal(status, 0, output);
  });

  it('when a copy calls an API k6 does not have, then the type check fails naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shop-k6-'));
    try {
      const script = await readFile(join(ROOT, 'loadtest', 'checkout.js'), 'utf8');
      assert.ok(script.includes('http.request('), 'the script calls http.request');
      await writeFile(join(dir, 'checkout.js'), script.replace('http.request(', 'http.requets('));
      const config = JSON.parse(await readFile(join(ROOT, 'loadtest', 'tsconfig.json'), 'utf8')) as {
        compilerOptions: Record<string, unknown>;
      };
      const types = join(ROOT, 'node_modules', '@types', 'k6');
      config.compilerOptions['paths'] = { k6: [join(types, 'index.d.ts')], 'k6/*': [join(types, '*')] };
      config.compilerOptions['typeRoots'] = [join(ROOT, 'node_modules', '@types')];
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(config));
      const { status, output } = tsc(join(dir, 'tsconfig.json'));
      assert.notEqual(status, 0, output);
      assert.match(output, /requets/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
