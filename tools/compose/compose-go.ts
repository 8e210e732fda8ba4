import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './model.ts';

// tools/compose/config: a small Go program on compose-go, the loader Docker Compose itself uses, printing
// what `docker compose config --format json` prints. Built into .cache/ with the machine's Go; the Go
// module proxy serves compose-go (go.sum pins it).

const SOURCE = join(ROOT, 'tools', 'compose', 'config');
const BINARY = join(ROOT, '.cache', 'compose-config', 'compose-config');
const LOCAL_GO = '/usr/local/go/bin/go';

/** Builds the program (cached by Go; the first build downloads compose-go, ~40 s). */
export function buildComposeConfig(log: (message: string) => void): string {
  log('building tools/compose/config with Go (compose-go v2.16.2; the first build fetches it, ~40 s) ...');
  // The machine's Go when it is not on the PATH (where Debian-like images of Go put it).
  const go = spawnSync('go', ['version']).status === 0 || !existsSync(LOCAL_GO) ? 'go' : LOCAL_GO;
  const result = spawnSync(go, ['build', '-o', BINARY, '.'], {
    cwd: SOURCE,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, GOFLAGS: '-mod=readonly' },
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `go build in tools/compose/config failed (${result.error?.message ?? result.stderr.trim()}); ` +
        'it needs Go 1.24 or newer on the PATH and the Go module proxy (see docs/COMPOSE.md).',
    );
  }
  return BINARY;
}

export interface ComposeConfigResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The compose files loaded as Docker Compose loads them, with `envFile` and `profiles`. */
export function composeConfig(
  binary: string,
  files: string[],
  envFile: string,
  profiles: string[],
): ComposeConfigResult {
  const result = spawnSync(binary, ['--env-file', envFile, '--profile', profiles.join(','), ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    // Only the env file: a variable in the caller's environment would win over it, as in Compose.
    env: { PATH: process.env['PATH'] ?? '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
