import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const SRC = join(import.meta.dirname, '..', 'src');

// A server that ignores SIGTERM (as a JVM dumping a class-data archive at exit seems to): stop() has to
// kill it and wait for its exit, and nothing else may be keeping the test process alive meanwhile.
const SCRIPT = `
import { createScratchDir } from ${JSON.stringify(join(SRC, 'lifecycle.ts'))};
import { ServerProcess } from ${JSON.stringify(join(SRC, 'server-process.ts'))};
const dir = await createScratchDir('stubborn');
const server = new ServerProcess({
  name: 'stubborn', command: 'sh', args: ['-c', 'trap "" TERM; while :; do sleep 1; done'], dir,
  isReady: async () => true, startTimeoutMs: 5_000, remedy: 'none',
});
await server.start();
await server.stop(200);
await dir.remove();
console.log('stopped');
`;

test('when a server ignores SIGTERM, then stop() kills it and returns, instead of the process exiting mid-wait', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    timeout: 30_000,
  });
  assert.equal(stdout.trim(), 'stopped');
});
