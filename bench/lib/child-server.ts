import { fork, type ChildProcess } from 'node:child_process';
import type { FromChild, ToChild } from './child-protocol.ts';

export interface ChildServerOptions {
  /** Shown in progress and errors. */
  name: string;
  /** A module that listens on 127.0.0.1 (port 0) and then calls announceListening(). */
  entry: URL;
  /** Added to the harness's environment. */
  env?: Record<string, string>;
  /** Extra `node` flags for the child, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; profiles (`--cpu-prof`) need a clean exit. */
  stopGraceMs?: number;
}

/** A server running in its own process, so a load generator in this process does not share its event loop. */
export interface ChildServer {
  readonly name: string;
  readonly url: string;
  /** The server's operational listener (a service's /metrics), when it announced one. */
  readonly opsUrl: string | undefined;
  readonly pid: number;
  /** CPU time (user + system) the server process has used so far, in seconds. */
  cpuSeconds(): Promise<number>;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  stop(): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 4_000;
const DEFAULT_STOP_GRACE_MS = 5_000;

function keepTail(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => tail.trim();
}

function waitForMessage<T extends FromChild['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
  describe: () => string,
): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanUp = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: FromChild) => {
      if (message.type !== type) return;
      cleanUp();
      resolve(message as Extract<FromChild, { type: T }>);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanUp();
      reject(new Error(`${describe()} exited (code ${code}, signal ${signal}) before answering '${type}'.`));
    };
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`${describe()} did not answer '${type}' within ${timeoutMs} ms.`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Starts a bench server in a child process and resolves once it listens. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child = fork(options.entry, [], {
    env: { ...process.env, ...options.env },
    execArgv: options.nodeArgs ?? [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const outputTail = keepTail(child);
  const describe = () => `Bench server '${options.name}' (${options.entry.pathname})`;
  const withOutput = (error: unknown) => {
    const output = outputTail();
    const message = error instanceof Error ? error.message : String(error);
    return new Error(
      `${message}\nIts output ends with:\n${output || '(nothing)'}\nFix the server module, then run the bench again.`,
    );
  };

  let port: number;
  let opsPort: number | undefined;
  try {
    ({ port, opsPort } = await waitForMessage(
      child,
      'listening',
      options.startTimeoutMs ?? 20_000,
      describe,
    ));
  } catch (error) {
    child.kill('SIGKILL');
    throw withOutput(error);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    opsUrl: opsPort === undefined ? undefined : `http://127.0.0.1:${opsPort}`,
    pid: child.pid!,
    async cpuSeconds() {
      const answer = waitForMessage(child, 'cpu-usage', 5_000, describe);
      child.send({ type: 'cpu-usage' } satisfies ToChild);
      try {
        return (await answer).micros / 1e6;
      } catch (error) {
        throw withOutput(error);
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
