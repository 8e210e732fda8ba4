import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Something this process started and must not leave behind. */
export interface Stoppable {
  /** Graceful, awaited stop that also removes the server's files. */
  dispose(): Promise<void>;
  /** Synchronous last-resort signal, used while the process is exiting. */
  killNow(): void;
}

const live = new Set<Stoppable>();
let exitHookInstalled = false;

/** Registers a started server so it is stopped by stopAllServers() and signalled on process exit. */
export function track(server: Stoppable): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const entry of live) entry.killNow();
    });
  }
  live.add(server);
  return () => live.delete(server);
}

/**
 * Stops every server this process started through @shop/testing (PostgreSQL, Redis, Kafka), in parallel,
 * and returns how many there were.
 */
export async function stopAllServers(): Promise<number> {
  const servers = [...live];
  await Promise.allSettled(servers.map((server) => server.dispose()));
  return servers.length;
}

/**
 * Per-server scratch directory under the OS temp dir. A detached watchdog shell stops the server whose
 * pid is in `server.pid` and deletes the directory if this process dies without cleaning up (SIGKILL,
 * crash), so a killed test run leaves no orphan servers behind.
 */
export interface ScratchDir {
  readonly path: string;
  readonly logFile: string;
  recordPid(pid: number | undefined): Promise<void>;
  /** Keeps the directory (and its log) after exit, for a server that failed to start. */
  keep(): Promise<void>;
  remove(): Promise<void>;
}

const WATCHDOG = `
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
pid=$(cat "$dir/server.pid" 2>/dev/null)
if [ -n "$pid" ]; then
  kill -INT "$pid" 2>/dev/null; n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
  kill -KILL "$pid" 2>/dev/null
fi
[ -e "$dir/KEEP" ] || rm -rf "$dir"
`;

const SCRATCH_PREFIX = 'shop-testing-';
let swept: Promise<void> | undefined;

export async function createScratchDir(kind: string): Promise<ScratchDir> {
  swept ??= sweepAbandonedScratchDirs();
  await swept;
  const path = await mkdtemp(join(tmpdir(), `${SCRATCH_PREFIX}${kind}-`));
  await writeFile(join(path, 'owner.pid'), `${process.pid}\n`);
  const pidFile = join(path, 'server.pid');
  const watchdog = spawn('sh', ['-c', WATCHDOG, 'watchdog', String(process.pid), path], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  return {
    path,
    logFile: join(path, 'server.log'),
    recordPid: async (pid) => {
      if (pid === undefined) await rm(pidFile, { force: true });
      else await writeFile(pidFile, `${pid}\n`);
    },
    keep: async () => {
      await writeFile(join(path, 'KEEP'), '');
      signalQuietly(watchdog.pid, 'SIGKILL');
    },
    remove: async () => {
      signalQuietly(watchdog.pid, 'SIGKILL');
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/**
 * Removes scratch dirs whose owner and server are both gone, in case a watchdog was killed too
 * (a sandbox that kills whole process trees). Logs of failed starts are kept for a day.
 */
async function sweepAbandonedScratchDirs(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => []);
  await Promise.all(
    entries
      .filter((name) => name.startsWith(SCRATCH_PREFIX))
      .map(async (name) => {
        const dir = join(tmpdir(), name);
        try {
          const ageMs = Date.now() - (await stat(dir)).mtimeMs;
          const kept = await exists(join(dir, 'KEEP'));
          const owner = await readPid(join(dir, 'owner.pid'));
          const server = await readPid(join(dir, 'server.pid'));
          const abandoned = kept
            ? ageMs > 24 * 3_600_000
            : !isAlive(server) && (owner === undefined ? ageMs > 10 * 60_000 : !isAlive(owner));
          if (abandoned) await rm(dir, { recursive: true, force: true });
        } catch {
          // Another process is sweeping or using it; leave it alone.
        }
      }),
  );
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The last lines of a server log, for error messages. */
export async function logTail(file: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

/** Sends a signal, ignoring a process that has already exited. */
export function signalQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** One server start shared by every caller in the process. */
export interface SharedStart<T> {
  get(): Promise<T>;
  /** Forget the shared start, so the next `get` starts anew (after a failure or once it was stopped). */
  forget(): void;
}

/** Shares `start` across callers; a failed start is forgotten, so the next caller tries again. */
export function sharedStart<T>(start: () => Promise<T>): SharedStart<T> {
  let shared: Promise<T> | undefined;
  const forget = () => {
    shared = undefined;
  };
  return {
    get() {
      shared ??= start().catch((error: unknown) => {
        forget();
        throw error;
      });
      return shared;
    },
    forget,
  };
}
