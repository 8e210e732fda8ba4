import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ensureGoBinary, type CachedGoBinary, type GoBuildReporter } from '../src/go-build.ts';

// A real Go build (no network: a module of its own with no dependencies), through the same path as Jaeger
// and the Kubernetes tools: the lock, the partial file renamed into place, the progress and the errors.

const run = promisify(execFile);

function reporter(lines: string[]): GoBuildReporter {
  return { tag: 'test', progress: (line) => lines.push(line), remedy: 'Install Go.' };
}

async function cacheDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'go-build-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function hello(binary: string, source: string): CachedGoBinary {
  return {
    binary,
    label: 'hello v1',
    minutes: '1',
    logVariable: 'HELLO_BUILD_LOG',
    build: async ({ module, output, go }) => {
      await go(['mod', 'init', 'shop.test/hello']);
      await writeFile(join(module, 'main.go'), source);
      await go(['build', '-o', output, '.']);
    },
  };
}

const GOOD = 'package main\n\nfunc main() { println("hello from go") }\n';

describe('a cached Go binary', () => {
  it('when missing, then it is built once into place, with progress, leaving no lock or partial file', async (t) => {
    const dir = await cacheDir(t);
    const binary = join(dir, 'hello');
    const lines: string[] = [];

    assert.equal(await ensureGoBinary(hello(binary, GOOD), reporter(lines)), binary);

    const { stderr } = await run(binary);
    assert.equal(stderr.trim(), 'hello from go');
    assert.deepEqual(await readdir(dir), ['hello']);
    assert.match(lines[0]!, /^building hello v1 from the Go module proxy into /);
    assert.match(lines.at(-1)!, /^hello v1 built in \d+s: /);
    // Cached: the second call builds nothing.
    assert.equal(await ensureGoBinary(hello(binary, 'not go at all'), reporter(lines)), binary);
  });

  it('when the build fails, then the error carries Go’s output and nothing is left behind', async (t) => {
    const dir = await cacheDir(t);
    const binary = join(dir, 'hello');
    const broken = 'package main\n\nfunc main() { undefinedThing() }\n';

    await assert.rejects(ensureGoBinary(hello(binary, broken), reporter([])), (error: Error) => {
      assert.match(error.message, /^\[test\] `go build -o .*` failed \(1\)\. Last output:/);
      assert.match(error.message, /undefined: undefinedThing/);
      return true;
    });
    assert.deepEqual(await readdir(dir), []);
  });

  it('when a dead process left its build lock, then the build is taken over', async (t) => {
    const dir = await cacheDir(t);
    const binary = join(dir, 'hello');
    const child = execFile(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    await mkdir(`${binary}.lock`);
    await writeFile(join(`${binary}.lock`, 'owner'), JSON.stringify({ pid: child.pid, log: 'gone' }));
    const lines: string[] = [];

    assert.equal(await ensureGoBinary(hello(binary, GOOD), reporter(lines)), binary);

    assert.ok(lines.some((line) => line.includes(`(pid ${child.pid}) died without finishing`)));
    assert.equal(existsSync(`${binary}.lock`), false);
  });
});
