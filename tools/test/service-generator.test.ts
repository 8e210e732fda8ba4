import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify, stripVTControlCharacters } from 'node:util';

// Generates a service into a copy of the workspace and runs what CI runs on it: if a template drifts from
// the libraries it uses, this fails here instead of in the next person's new service.

const ROOT = resolve(import.meta.dirname, '..', '..');
const NAME = 'gift-card';
const COPIED = [
  'apps',
  'libs',
  'tools',
  'package.json',
  'nx.json',
  'tsconfig.base.json',
  'eslint.config.mjs',
];
const SKIPPED = new Set(['node_modules', 'generated', '.nx', '.cache']);
const exec = promisify(execFile);

let workspace: string;
// Without NODE_TEST_CONTEXT the generated service's `node --test` reports as text, not to this runner.
const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
const childEnv = { ...inherited, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };

async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await exec(command, args, {
      cwd: workspace,
      env: childEnv,
      maxBuffer: 64 * 1024 * 1024,
    });
    // Nx colours its output even when piped; the assertions read plain text.
    return stripVTControlCharacters(stdout + stderr);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${workspace}:\n${stdout}\n${stderr}`);
  }
}

before(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'shop-generator-'));
  for (const entry of COPIED) {
    await cp(join(ROOT, entry), join(workspace, entry), {
      recursive: true,
      filter: (source) => !SKIPPED.has(source.split('/').at(-1) ?? ''),
    });
  }
  await symlink(join(ROOT, 'node_modules'), join(workspace, 'node_modules'));
});
after(() => rm(workspace, { recursive: true, force: true }));

test('when a service is generated, then its lint, typecheck and tests pass', async () => {
  const generated = await run('npx', ['nx', 'g', '@shop/tools:service', NAME, '--skipInstall']);
  assert.match(generated, new RegExp(`CREATE apps/${NAME}/src/app.ts`));

  await run(process.execPath, ['tools/db-new-migration.ts', NAME, 'init']);
  await run(process.execPath, ['tools/prisma-generate.ts', NAME]);
  const projects = await run('npx', ['nx', 'show', 'projects']);
  assert.ok(projects.split('\n').includes(NAME), `nx sees the new project:\n${projects}`);

  await run('npx', ['nx', 'run', `${NAME}:lint`, '--skip-nx-cache']);
  await run('npx', ['nx', 'run', `${NAME}:typecheck`, '--skip-nx-cache']);
  const tests = await run('npx', ['nx', 'run', `${NAME}:test`, '--skip-nx-cache']);
  assert.match(tests, /ℹ fail 0/);
  assert.match(tests, /ℹ pass [4-9]/, `the generated tests ran:\n${tests.slice(-2000)}`);
});

test('when the name is taken, then the generator refuses and says so', async () => {
  await assert.rejects(
    run('npx', ['nx', 'g', '@shop/tools:service', 'auth', '--skipInstall']),
    /already exists/,
  );
});
