import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildLockOf, isProcessAlive, readBuildLockOwner, takeBuildLock } from './build-lock.ts';
import { findProgram } from './programs.ts';
import { progress } from './progress.ts';
import { sleep } from './timeout.ts';

/** The Jaeger release the kit runs: v2 (an OpenTelemetry Collector distribution), OTLP and Jaeger thrift in. */
export const JAEGER_VERSION = 'v1.76.0';
const JAEGER_MODULE = 'github.com/jaegertracing/jaeger';
const BUILD_TIMEOUT_MS = 60 * 60_000;
const REPORT_EVERY_MS = 30_000;
const GO_REMEDY =
  'Install Go 1.24+ (https://go.dev/dl, or /usr/local/go/bin/go), or set JAEGER_BINARY to a built jaeger binary, or JAEGER_QUERY_URL to a running Jaeger.';

/**
 * Where the built binary is cached: `JAEGER_BINARY` when set, else `~/.cache/jaeger-<version>` (outside the
 * repository, so every worktree and CI step shares one 25-minute build).
 */
export function jaegerBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['JAEGER_BINARY'];
  if (configured !== undefined && configured !== '') return configured;
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), `jaeger-${JAEGER_VERSION}`);
}

/** The lock directory a build holds (mkdir is atomic); its `owner` file names the pid and the build's log. */

/**
 * The Jaeger binary, built on first use from the Go module proxy (10-25 minutes on 2 cores) and cached.
 * When another process is building it (CI starts the build in the background early), waits for that build
 * with a progress line every 30 s instead of starting a second one.
 */
export async function ensureJaegerBinary(binary: string = jaegerBinaryPath()): Promise<string> {
  const started = Date.now();
  let nextReport = started;
  for (;;) {
    if (await isExecutable(binary)) return binary;
    if (await takeBuildLock(binary, 'JAEGER_BUILD_LOG')) {
      try {
        if (await isExecutable(binary)) return binary;
        await buildJaeger(binary);
        return binary;
      } finally {
        await rm(buildLockOf(binary), { recursive: true, force: true });
      }
    }
    const owner = await readBuildLockOwner(binary);
    if (owner !== undefined && !isProcessAlive(owner.pid)) {
      progress(`a Jaeger build (pid ${owner.pid}) died without finishing; building it here instead.`);
      await rm(buildLockOf(binary), { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= nextReport) {
      nextReport = Date.now() + REPORT_EVERY_MS;
      progress(
        `waiting for Jaeger ${JAEGER_VERSION} to be built by another process (pid ${owner?.pid ?? '?'}, ` +
          `${Math.round((Date.now() - started) / 1000)}s so far; its log: ${owner?.log ?? 'unknown'}) ...`,
      );
    }
    if (Date.now() - started > BUILD_TIMEOUT_MS) {
      throw new Error(
        `[testing] Jaeger ${JAEGER_VERSION} was not built within ${BUILD_TIMEOUT_MS / 60_000} min by pid ${owner?.pid}. ` +
          `Read its log (${owner?.log ?? 'unknown'}), stop it and delete ${buildLockOf(binary)} to build again.`,
      );
    }
    await sleep(1_000);
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    accessSync(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function findGo(): string {
  const go = findProgram('go') ?? ['/usr/local/go/bin/go'].find((candidate) => isExecutableSync(candidate));
  if (go === undefined)
    throw new Error(`[testing] Building Jaeger needs Go, which was not found. ${GO_REMEDY}`);
  return go;
}

function isExecutableSync(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `go get -tool` then `go build` in a throwaway module; the binary is renamed into place only when whole. */
async function buildJaeger(binary: string): Promise<void> {
  const go = findGo();
  const module = await mkdtemp(join(tmpdir(), 'shop-jaeger-build-'));
  const partial = `${binary}.partial-${process.pid}`;
  const started = Date.now();
  progress(
    `building Jaeger ${JAEGER_VERSION} from the Go module proxy into ${binary} (once; 10-25 min on 2 cores) ...`,
  );
  try {
    await runGo(go, ['mod', 'init', 'shop.test/jaeger-build'], module, started);
    await runGo(go, ['get', '-tool', `${JAEGER_MODULE}/cmd/jaeger@${JAEGER_VERSION}`], module, started);
    // -v names each package as it is compiled: the progress lines count them.
    await runGo(go, ['build', '-v', '-o', partial, `${JAEGER_MODULE}/cmd/jaeger`], module, started);
    await rename(partial, binary);
  } finally {
    await rm(partial, { force: true });
    await rm(module, { recursive: true, force: true });
  }
  progress(`Jaeger ${JAEGER_VERSION} built in ${Math.round((Date.now() - started) / 1000)}s: ${binary}`);
}

function runGo(go: string, args: string[], cwd: string, buildStarted: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(go, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let lines = 0;
    let lastReport = Date.now();
    const collect = (line: string): void => {
      lines += 1;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress(
          `  go ${args[0]}: ${Math.round((Date.now() - buildStarted) / 1000)}s, ${lines} packages so far (last: ${line.trim()})`,
        );
      }
    };
    createInterface({ input: child.stdout }).on('line', collect);
    createInterface({ input: child.stderr }).on('line', collect);
    const timer = setTimeout(() => child.kill('SIGTERM'), BUILD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`[testing] Could not run ${go} (${error.message}). ${GO_REMEDY}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise();
      reject(
        new Error(
          `[testing] \`go ${args.join(' ')}\` failed (${code ?? signal}). Last output:\n${tail.join('\n')}\n` +
            'Check access to https://proxy.golang.org (GOPROXY) and the Go version, then retry.',
        ),
      );
    });
  });
}

// `node libs/testing/src/jaeger-binary.ts`: CI starts the build early, in the background, with this.
if (import.meta.main) {
  try {
    process.stdout.write(`${await ensureJaegerBinary()}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
