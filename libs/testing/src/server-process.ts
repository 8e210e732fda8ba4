import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { ScratchDir } from './lifecycle.ts';
import { logTail, signalQuietly, track } from './lifecycle.ts';
import { progress } from './progress.ts';
import { sleep } from './timeout.ts';

export interface ServerProcessOptions {
  /** Human name for messages, e.g. `Redis on 127.0.0.1:6390`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The child's whole environment and working directory (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly dir: ScratchDir;
  /** One readiness probe; polled until it resolves true. */
  readonly isReady: () => Promise<boolean>;
  readonly startTimeoutMs: number;
  /** What the reader should do when start-up fails. */
  readonly remedy: string;
}

/** A server child process with its output in the scratch dir's log, restartable with the same arguments. */
export class ServerProcess {
  readonly #options: ServerProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(options: ServerProcessOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    const { command, args, env, cwd, dir, isReady, startTimeoutMs } = this.#options;
    const log = await open(dir.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, { env, cwd, stdio: ['ignore', log.fd, log.fd] });
    } finally {
      await log.close();
    }
    // The server must not keep a finished test process alive; exit hooks and the watchdog stop it.
    child.unref();
    this.#child = child;
    let exitCode: number | string | null | undefined;
    this.#exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        exitCode = error.message;
        resolve();
      });
      child.once('exit', (code, signal) => {
        exitCode = code ?? signal;
        resolve();
      });
    }).then(async () => {
      if (this.#child === child) this.#child = undefined;
      await dir.recordPid(undefined);
    });
    await dir.recordPid(child.pid);

    const started = Date.now();
    const deadline = started + startTimeoutMs;
    let nextReport = started + 10_000;
    for (;;) {
      if (exitCode !== undefined) {
        await this.#exited;
        throw await this.#failure(`it exited during start-up (${exitCode})`);
      }
      if (await isReady().catch(() => false)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw await this.#failure(`it was not ready within ${startTimeoutMs / 1000}s`);
      }
      if (Date.now() > nextReport) {
        nextReport += 10_000;
        progress(`${this.#options.name}: still starting (${Math.round((Date.now() - started) / 1000)}s) ...`);
      }
      await sleep(150);
    }
  }

  /** Asks the server to shut down (SIGTERM) and waits; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    // Unref'd since start: without this, once the SIGKILL timer has fired nothing keeps this process alive
    // until the exit arrives, and a top-level await of stop() ends the process mid-wait (exit code 13).
    child.ref();
    signalQuietly(child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalQuietly(child.pid, 'SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Synchronous hard stop, for the process's exit hook; the data is thrown away anyway. */
  killNow(): void {
    signalQuietly(this.#child?.pid, 'SIGKILL');
  }

  async #failure(reason: string): Promise<Error> {
    const { name, dir, remedy } = this.#options;
    await dir.keep();
    return new Error(
      `[testing] ${name} failed to start: ${reason}.\nServer log: ${dir.logFile}\n${await logTail(dir.logFile)}\n${remedy}`,
    );
  }
}

/** A server this process started itself, so a test may take it down and bring it back. */
export interface LocalServer {
  readonly port: number;
  readonly logFile: string;
  /** Shuts the server down (an outage); its port stays reserved for start(). */
  stop(): Promise<void>;
  /** Starts the server again on the same port (and data) and waits until it answers. */
  start(): Promise<void>;
  /** Stops the server for good and deletes its files. */
  dispose(): Promise<void>;
}

export interface LaunchOptions {
  readonly port: number;
  readonly dir: ScratchDir;
  /** Product name in progress lines, e.g. `Redis`. */
  readonly product: string;
  /** What start-up reports, e.g. `Redis 7.0.15 on 127.0.0.1:6390`. */
  readonly starting: string;
  /** Runs when the server is disposed or fails to start (a shared server is then forgotten). */
  readonly onDispose: () => void;
}

/**
 * Starts `server` and returns its controls, tracked so stopAllServers() and the exit hook stop it.
 * Progress lines say when it starts, how long it took and where its log is.
 */
export async function launchLocalServer(server: ServerProcess, options: LaunchOptions): Promise<LocalServer> {
  const { port, dir, product, starting, onDispose } = options;
  const untrack = track({ dispose: () => controls.dispose(), killNow: () => server.killNow() });
  const controls: LocalServer = {
    port,
    logFile: dir.logFile,
    stop: async () => {
      progress(`stopping ${product} on 127.0.0.1:${port}`);
      await server.stop();
    },
    start: async () => {
      const started = Date.now();
      progress(`starting ${starting} ...`);
      await server.start();
      const took = ((Date.now() - started) / 1000).toFixed(1);
      progress(`${product} ready at 127.0.0.1:${port} in ${took}s (log: ${dir.logFile})`);
    },
    dispose: async () => {
      untrack();
      onDispose();
      await server.stop();
      await dir.remove();
    },
  };
  try {
    await controls.start();
  } catch (error) {
    untrack();
    onDispose();
    throw error;
  }
  return controls;
}
