import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ESLint } from 'eslint';

// Each snippet is linted as if it lived at a real path of the workspace, so the project it belongs to
// (and that project's tags) decide the verdict, as in the editor and in CI.

const ROOT = join(import.meta.dirname, '..', '..');
const BOUNDARIES = '@nx/enforce-module-boundaries';
const DOMAIN = 'no-restricted-imports';
const eslint = new ESLint({ cwd: ROOT });

interface Problem {
  ruleId: string | null;
  message: string;
}

async function lint(path: string, specifier: string): Promise<Problem[]> {
  const code = `import * as imported from '${specifier}';\n\nexport const probe = imported;\n`;
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  assert.ok(result, `ESLint returned no result for ${path}`);
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

function assertRejected(problems: Problem[], ruleId: string, message: RegExp): void {
  assert.ok(
    problems.some((problem) => problem.ruleId === ruleId && message.test(problem.message)),
    `expected ${ruleId} matching ${message}, got ${JSON.stringify(problems)}`,
  );
}

describe('module boundaries', () => {
  // Pairs that form no cycle, so the layer rule itself must answer.
  const rejected: Array<[path: string, specifier: string, layer: string]> = [
    ['libs/platform/src/lint-probe.ts', '@shop/testing', 'type:platform'],
    ['libs/database/src/lint-probe.ts', '@shop/testing', 'type:infra'],
    ['libs/events/src/lint-probe.ts', '@shop/testing', 'type:infra'],
    ['libs/cache/src/lint-probe.ts', '@shop/testing', 'type:infra'],
    ['libs/idempotency/src/lint-probe.ts', '@shop/testing', 'type:infra'],
    ['apps/product/src/lint-probe.ts', '@shop/testing', 'type:app'],
    ['apps/auth/src/routes/lint-probe.ts', '@shop/testing', 'type:app'],
  ];
  for (const [path, specifier, layer] of rejected) {
    it(`when ${path} imports ${specifier}, then the boundary rule rejects it`, async () => {
      assertRejected(
        await lint(path, specifier),
        BOUNDARIES,
        new RegExp(`tagged with "${layer}" can only depend on libs tagged with`),
      );
    });
  }

  // Every infra lib sits on the platform, which sits on the contracts: an import back down is a cycle.
  const cycles: Array<[path: string, specifier: string]> = [
    ['libs/contracts/src/lint-probe.ts', '@shop/platform'],
    ['libs/contracts/src/lint-probe.ts', '@shop/cache'],
    // The test kit grants stand-in service tokens from the contracts' SERVICE_CALLS.
    ['libs/contracts/src/lint-probe.ts', '@shop/testing'],
    ['libs/platform/src/lint-probe.ts', '@shop/cache'],
    ['libs/platform/src/lint-probe.ts', '@shop/events'],
    ['libs/platform/src/lint-probe.ts', '@shop/idempotency'],
  ];
  for (const [path, specifier] of cycles) {
    it(`when ${path} imports ${specifier}, which builds on it, then it is rejected as a cycle`, async () => {
      assertRejected(await lint(path, specifier), BOUNDARIES, /^Circular dependency between/);
    });
  }

  it('when one app imports another, then the boundary rule rejects it', async () => {
    assertRejected(
      await lint('apps/product/src/lint-probe.ts', '@shop/auth/src/app.ts'),
      BOUNDARIES,
      /apps are forbidden/,
    );
  });

  const allowed: Array<[path: string, specifier: string]> = [
    ['libs/platform/src/lint-probe.ts', '@shop/contracts'],
    ['libs/database/src/lint-probe.ts', '@shop/platform'],
    ['libs/events/src/lint-probe.ts', '@shop/database'],
    ['libs/testing/src/lint-probe.ts', '@shop/database'],
    ['apps/product/src/lint-probe.ts', '@shop/events'],
    ['apps/product/test/lint-probe.test.ts', '@shop/testing'],
    ['apps/auth/test/routes/lint-probe.ts', '@shop/testing'],
    ['libs/events/test/lint-probe.test.ts', '@shop/testing'],
    ['tools/lint-probe.ts', '@shop/testing'],
  ];
  for (const [path, specifier] of allowed) {
    it(`when ${path} imports ${specifier}, then lint passes`, async () => {
      assert.deepEqual(await lint(path, specifier), []);
    });
  }
});

describe('the domain imports no framework or driver', () => {
  const banned = [
    'fastify',
    'fastify-plugin',
    '@fastify/type-provider-typebox',
    'prisma',
    '@prisma/client',
    '@prisma/adapter-pg',
    '../generated/prisma/client.ts',
    '../data-access/product.repository.ts',
    'ioredis',
    'kafkajs',
    'pg',
    'undici',
    '@shop/platform',
    '@shop/database',
    '@shop/database/fastify',
    '@shop/events',
    '@shop/cache',
    '@shop/idempotency',
  ];
  for (const specifier of banned) {
    it(`when a domain file imports ${specifier}, then lint rejects it`, async () => {
      assertRejected(await lint('apps/product/src/domain/lint-probe.ts', specifier), DOMAIN, /./);
    });
  }

  it('when a domain file of any app imports the platform barrel, then lint rejects it', async () => {
    assertRejected(
      await lint('apps/auth/src/domain/lint-probe.ts', '@shop/platform'),
      DOMAIN,
      /@shop\/platform\/errors/,
    );
  });

  for (const specifier of ['@shop/contracts', '@shop/platform/errors', './product.ts', 'node:crypto']) {
    it(`when a domain file imports ${specifier}, then the domain rule allows it`, async () => {
      const problems = await lint('apps/product/src/domain/lint-probe.ts', specifier);
      assert.deepEqual(
        problems.filter((problem) => problem.ruleId === DOMAIN),
        [],
      );
    });
  }

  it('when a route imports Fastify and the platform barrel, then lint passes', async () => {
    assert.deepEqual(await lint('apps/product/src/routes/lint-probe.ts', 'fastify'), []);
    assert.deepEqual(await lint('apps/product/src/routes/lint-probe.ts', '@shop/platform'), []);
  });
});

describe('ESLint outside Nx', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('when plain eslint runs without a cached project graph, then it still enforces the boundaries', async () => {
    // A fresh clone or an editor: no Nx task around it and nothing cached in the workspace data dir.
    const workspaceData = await mkdtemp(join(tmpdir(), 'lint-rules-nx-'));
    dirs.push(workspaceData);
    const env: NodeJS.ProcessEnv = { ...process.env, NX_WORKSPACE_DATA_DIRECTORY: workspaceData };
    delete env.NX_TASK_TARGET_PROJECT;
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'),
        '--stdin',
        '--stdin-filename',
        'apps/product/src/lint-probe.ts',
      ],
      { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin.end("import { getPostgres } from '@shop/testing';\n\nexport const start = getPostgres;\n");
    const [code] = (await once(child, 'exit')) as [number | null];

    assert.doesNotMatch(output, /No cached ProjectGraph/);
    assert.match(output, /tagged with "type:app" can only depend on libs tagged with/);
    assert.equal(code, 1);
  });
});
