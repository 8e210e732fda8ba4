import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { glob, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

interface Manifest {
  name: string;
  workspaces?: string[];
  exports?: string | Record<string, string>;
}

async function readManifest(path: string): Promise<Manifest> {
  return JSON.parse(await readFile(path, 'utf8')) as Manifest;
}

async function workspaceManifests(): Promise<string[]> {
  const { workspaces = [] } = await readManifest(join(ROOT, 'package.json'));
  const manifests: string[] = [];
  for await (const path of glob(
    workspaces.map((pattern) => `${pattern}/package.json`),
    { cwd: ROOT },
  )) {
    manifests.push(path);
  }
  return manifests.sort();
}

describe('workspace packages', () => {
  it('when a workspace package declares exports, then every target file exists', async () => {
    const manifests = await workspaceManifests();
    assert.ok(manifests.length > 0, 'no workspace package.json found');
    const missing: string[] = [];
    for (const manifest of manifests) {
      const { name, exports = {} } = await readManifest(join(ROOT, manifest));
      const targets = typeof exports === 'string' ? { '.': exports } : exports;
      for (const [entry, target] of Object.entries(targets)) {
        if (!existsSync(join(ROOT, dirname(manifest), target))) missing.push(`${name} "${entry}": ${target}`);
      }
    }
    assert.deepEqual(missing, [], `exports whose file does not exist:\n${missing.join('\n')}`);
  });
});
