import { resolve } from 'node:path';
import { findFreePorts } from './free-port.ts';
import { createScratchDir } from './lifecycle.ts';
import { progress } from './progress.ts';
import { launchLocalServer, ServerProcess, type LocalServer } from './server-process.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const START_TIMEOUT_MS = 60_000;
const READY_PROBE_TIMEOUT_MS = 1_000;

// What the child takes from this process: enough to run node, nothing that configures a service. The test
// process carries DATABASE_URL, REDIS_URL and KAFKA_BROKERS for the test kit, which an app must not pick up.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

export interface AppProcessOptions {
  /** The app under apps/, e.g. `product`. */
  app: string;
  /** The app's environment (its config variables); PORT, OPS_PORT and HOST are set here. */
  env: Record<string, string>;
  /** The public port (default: a free one). */
  port?: number;
  /** How free ports are found (default: the kernel's, findFreePorts); the kit's own tests replace it. */
  freePorts?: (count: number) => Promise<number[]>;
}

// A free port is only free when it is picked: another test's process may bind it before the app does. Such
// a start fails with EADDRINUSE (it did in CI) and is tried again on other ports, this many times in all.
const PORT_ATTEMPTS = 3;

/** A service running as its own process, as it runs in production (`node apps/<app>/src/main.ts`). */
export interface AppProcess extends LocalServer {
  /** http://127.0.0.1:<port>: the public listener. */
  url: string;
  /** http://127.0.0.1:<ops port>: /metrics and the full OpenAPI document. */
  opsUrl: string;
}

/**
 * Starts an app's main.ts from the repository root with `env` (plus PORT and OPS_PORT on free ports and
 * HOST 127.0.0.1; tracing off unless `env` turns it on) and waits until its `/ready` answers 200. Its
 * output goes to a scratch log, whose last lines a failed start shows. `stop()` is an outage (SIGTERM, a
 * graceful shutdown; `start()` brings it back on the same ports), `dispose()` the end; stopAllServers()
 * and the process's exit stop it too.
 */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnFreePorts(options);
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !/EADDRINUSE/.test(String(error))) throw error;
      progress(
        `the ${options.app} service's port was taken between the pick and the bind; trying other ports ` +
          `(attempt ${attempt + 1} of ${PORT_ATTEMPTS})`,
      );
    }
  }
}

async function startOnFreePorts(options: AppProcessOptions): Promise<AppProcess> {
  const { app, env } = options;
  const [free, dir] = await Promise.all([
    (options.freePorts ?? findFreePorts)(2),
    createScratchDir(`app-${app}`),
  ]);
  const port = options.port ?? (free[0] as number);
  const opsPort = free[1] as number;
  const url = `http://127.0.0.1:${port}`;
  const inherited = Object.fromEntries(INHERITED.map((name) => [name, process.env[name]]));
  const server = new ServerProcess({
    name: `the ${app} service on ${url}`,
    command: process.execPath,
    args: [`apps/${app}/src/main.ts`],
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      OTEL_TRACES_EXPORTER: 'none',
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      OPS_PORT: String(opsPort),
    },
    dir,
    // Its operational listener must answer too: a free port can be taken by another test's process between
    // the pick and the bind, and that process's /ready must not pass for this one's (it happened in CI).
    isReady: async () =>
      (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS) })).ok &&
      (
        await fetch(`http://127.0.0.1:${opsPort}/metrics`, {
          signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS),
        })
      ).ok,
    startTimeoutMs: START_TIMEOUT_MS,
    remedy: `Read the ${app} service's log above: a config error names the variable to set.`,
  });
  const controls = await launchLocalServer(server, {
    port,
    dir,
    product: `the ${app} service`,
    starting: `the ${app} service on ${url}`,
    onDispose: () => undefined,
  });
  return { ...controls, url, opsUrl: `http://127.0.0.1:${opsPort}` };
}
