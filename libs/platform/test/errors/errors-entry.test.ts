import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

// Imports one module in a fresh process and lists every package it loaded, through a resolve hook that
// sees both import and require.
const PROBE = `
import { registerHooks } from 'node:module';
const packages = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    const match = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url);
    if (match) packages.add(match[1]);
    return resolved;
  },
});
const entry = await import(process.argv[1]);
console.log(JSON.stringify({ packages: [...packages].sort(), exports: Object.keys(entry).sort() }));
`;

async function load(specifier: string): Promise<{ packages: string[]; exports: string[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', PROBE, specifier],
    { cwd: ROOT },
  );
  return JSON.parse(stdout) as { packages: string[]; exports: string[] };
}

describe('@shop/platform/errors', () => {
  test('when a domain imports the error catalog helpers, then neither fastify, pino nor undici is loaded', async () => {
    const { packages, exports } = await load('@shop/platform/errors');
    assert.deepEqual(exports, [
      'AppError',
      'PlatformErrors',
      'ProblemSchema',
      'defineError',
      'problemResponses',
    ]);
    for (const heavy of ['fastify', 'pino', 'undici']) {
      assert.ok(!packages.includes(heavy), `${heavy} was loaded: ${packages.join(', ')}`);
    }
    assert.deepEqual(packages, ['typebox'], 'only typebox, which the problem schemas need');
  });

  test('when the platform barrel is imported, then the probe does see fastify, pino and undici (and it re-exports the helpers)', async () => {
    const { packages, exports } = await load('@shop/platform');
    for (const heavy of ['fastify', 'pino', 'undici']) {
      assert.ok(packages.includes(heavy), `${heavy} not seen: ${packages.join(', ')}`);
    }
    for (const name of ['AppError', 'defineError', 'PlatformErrors', 'ProblemSchema', 'problemResponses']) {
      assert.ok(exports.includes(name), `the barrel lost ${name}`);
    }
  });
});
