import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildLockOf, isProcessAlive, readBuildLockOwner, takeBuildLock } from './build-lock.ts';
import { findProgram } from './programs.ts';
import { sleep } from './timeout.ts';

// Binaries the tests need that come only as Go source (Jaeger, the Kubernetes tools): built once from the Go
// module proxy into a cache outside the repository, one build at a time across processes. CI starts the
// builds early in the background; a test that needs a binary meanwhile waits for that build, with progress.

const BUILD_TIMEOUT_MS = 60 * 60_000;
const REPORT_EVERY_MS = 30_000;

/** Who is building, for messages: `[tag] ...` lines, and what to do when Go is missing. */
export interface GoBuildReporter {
  /** The prefix of error messages, e.g. `testing` or `k8s`. */
  readonly tag: string;
  /** Writes one progress line (stderr). */
  readonly progress: (message: string) => void;
  /** What to do when Go is missing or cannot run: install it, or where to point at a built binary. */
  readonly remedy: string;
}

export interface CachedGoBinary {
  /** Where the binary is kept; built into `<binary>.partial-<pid>` and renamed into place only when whole. */
  readonly binary: string;
  /** e.g. `Jaeger v1.76.0`. */
  readonly label: string;
  /** e.g. `10-25`: minutes a cold build takes on 2 cores, for the progress line. */
  readonly minutes: string;
  /** The variable naming this build's log (written into the lock, so a waiting process can point at it). */
  readonly logVariable: string;
  /**
   * The build, in the throwaway module directory `module` (go.mod, `go get`, `go build -o output`):
   * `go(args)` runs Go there with streamed progress.
   */
  readonly build: (step: {
    module: string;
    output: string;
    go: (args: string[]) => Promise<void>;
  }) => Promise<void>;
}

/**
 * The cached binary, built when missing, or waited for (with a progress line every 30 s) while another
 * process builds it. A lock left by a process that died is taken over.
 */
export async function ensureGoBinary(target: CachedGoBinary, reporter: GoBuildReporter): Promise<string> {
  const { binary, label } = target;
  const started = Date.now();
  let nextReport = started;
  for (;;) {
    if (isExecutableFile(binary)) return binary;
    if (await takeBuildLock(binary, target.logVariable)) {
      try {
        if (!isExecutableFile(binary)) await buildGoBinary(target, reporter);
        return binary;
      } finally {
        await rm(buildLockOf(binary), { recursive: true, force: true });
      }
    }
    const owner = await readBuildLockOwner(binary);
    if (owner !== undefined && !isProcessAlive(owner.pid)) {
      reporter.progress(
        `a build of ${label} (pid ${owner.pid}) died without finishing; building it here instead.`,
      );
      await rm(buildLockOf(binary), { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= nextReport) {
      nextReport = Date.now() + REPORT_EVERY_MS;
      reporter.progress(
        `waiting for ${label} to be built by another process (pid ${owner?.pid ?? '?'}, ` +
          `${Math.round((Date.now() - started) / 1000)}s so far; its log: ${owner?.log ?? 'unknown'}) ...`,
      );
    }
    if (Date.now() - started > BUILD_TIMEOUT_MS) {
      throw new Error(
        `[${reporter.tag}] ${label} was not built within ${BUILD_TIMEOUT_MS / 60_000} min by pid ${owner?.pid}. ` +
          `Read its log (${owner?.log ?? 'unknown'}), stop it and delete ${buildLockOf(binary)} to build again.`,
      );
    }
    await sleep(1_000);
  }
}

/** Go on the PATH, else the official tarball's /usr/local/go/bin/go. */
export function findGo(reporter: GoBuildReporter): string {
  const go = findProgram('go') ?? ['/usr/local/go/bin/go'].find(isExecutableFile);
  if (go === undefined) throw new Error(`[${reporter.tag}] Go was not found. ${reporter.remedy}`);
  return go;
}

async function buildGoBinary(target: CachedGoBinary, reporter: GoBuildReporter): Promise<void> {
  const go = findGo(reporter);
  const module = await mkdtemp(join(tmpdir(), 'shop-go-build-'));
  const output = `${target.binary}.partial-${process.pid}`;
  const started = Date.now();
  reporter.progress(
    `building ${target.label} from the Go module proxy into ${target.binary} (once; ~${target.minutes} min on 2 cores) ...`,
  );
  try {
    await target.build({ module, output, go: (args) => runGo(go, args, module, started, reporter) });
    await rename(output, target.binary);
  } finally {
    await rm(output, { force: true });
    await rm(module, { recursive: true, force: true });
  }
  reporter.progress(
    `${target.label} built in ${Math.round((Date.now() - started) / 1000)}s: ${target.binary}`,
  );
}

/** Runs Go, one progress line every 10 s (`go build -v` names each package: the lines count them). */
function runGo(go: string, args: string[], cwd: string, buildStarted: number, reporter: GoBuildReporter) {
  return new Promise<void>((resolvePromise, reject) => {
    const child = spawn(go, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
    const tail: string[] = [];
    let lines = 0;
    let lastReport = Date.now();
    const collect = (line: string): void => {
      lines += 1;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        reporter.progress(
          `  go ${args[0]}: ${Math.round((Date.now() - buildStarted) / 1000)}s, ${lines} packages so far (last: ${line.trim()})`,
        );
      }
    };
    createInterface({ input: child.stdout }).on('line', collect);
    createInterface({ input: child.stderr }).on('line', collect);
    const timer = setTimeout(() => child.kill('SIGTERM'), BUILD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`[${reporter.tag}] Could not run ${go} (${error.message}). ${reporter.remedy}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise();
      reject(
        new Error(
          `[${reporter.tag}] \`go ${args.join(' ')}\` failed (${code ?? signal}). Last output:\n${tail.join('\n')}\n` +
            'Check access to https://proxy.golang.org (GOPROXY) and the Go version, then retry.',
        ),
      );
    });
  });
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
