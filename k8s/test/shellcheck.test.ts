import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { glob } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { K8S_ROOT } from '../src/generate.ts';

const ROOT = join(K8S_ROOT, '..');
const REMEDY =
  'shellcheck is the Debian package `shellcheck` (apt-get install shellcheck; .ci/run installs it).';

function shellcheck(files: string[]): { status: number; output: string } {
  const result = spawnSync('shellcheck', ['--format=gcc', ...files], { cwd: ROOT, encoding: 'utf8' });
  if (result.error !== undefined)
    throw new Error(`could not run shellcheck (${result.error.message}). ${REMEDY}`);
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

describe('shellcheck', () => {
  it('passes on every deploy and docker script', async () => {
    const files: string[] = [];
    for await (const file of glob(['deploy/*.sh', 'docker/*.sh', 'docker/web/*.sh'], { cwd: ROOT }))
      files.push(file);
    assert.ok(
      files.includes(join('deploy', 'kind.sh')),
      `deploy/kind.sh not found among ${files.join(', ')}`,
    );
    const result = shellcheck(files.sort());
    assert.equal(result.status, 0, result.output);
  });

  it('reports a script with an unquoted expansion (so the check above can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shop-shellcheck-'));
    try {
      const file = join(dir, 'bad.sh');
      await writeFile(file, '#!/usr/bin/env bash\nrm -rf $1/cache\n');
      const result = shellcheck([file]);
      assert.notEqual(result.status, 0);
      assert.match(result.output, /SC2086/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
