import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { track } from './lifecycle.ts';
import { progress } from './progress.ts';

const run = promisify(execFile);
const START_TIMEOUT_MS = 30_000;
const REMEDY =
  'Install Redis with `apt-get install -y redis-server` (it brings redis-cli), or `brew install redis` on macOS.';

/** A real Redis Cluster of local `redis-server` processes, masters only, as the Kubernetes setup runs. */
export interface LocalRedisCluster {
  /** `host:port` of every node, as `createRedisClients({ clusterNodes })` takes them. */
  readonly nodes: readonly string[];
  dispose(): Promise<void>;
}

/**
 * Starts `size` redis-server processes with `--cluster-enabled yes` on free ports, joins them with
 * `redis-cli --cluster create`, and waits until every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(size = 3): Promise<LocalRedisCluster> {
  await requirePrograms();
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'shop-testing-redis-cluster-'));
  const children: ChildProcess[] = [];
  const killAll = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const dispose = async (): Promise<void> => {
    untrack();
    process.off('exit', killAll);
    await Promise.all(children.map(stopProcess));
    await rm(dir, { recursive: true, force: true });
  };
  // stopAllServers() (run by npm test at the end) stops it too, should a test forget.
  const untrack = track({ dispose, killNow: killAll });
  try {
    const ports = await clusterPorts(size);
    progress(`starting a ${size}-node Redis Cluster on ports ${ports.join(', ')} ...`);
    for (const port of ports) children.push(startNode(port, dir));
    startWatchdog(children, dir);
    await Promise.all(
      ports.map((port) => waitFor(() => answersPing(port), `node ${port} answering PING`, dir)),
    );
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    await Promise.all(
      ports.map((port) => waitFor(() => clusterOk(port), `node ${port} reporting cluster_state:ok`, dir)),
    );
    progress(`Redis Cluster ready in ${((Date.now() - started) / 1000).toFixed(1)}s (logs: ${dir})`);
    return { nodes, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

function startNode(port: number, dir: string): ChildProcess {
  const log = openSync(join(dir, `node-${port}.log`), 'a');
  const args = {
    port: String(port),
    bind: '127.0.0.1',
    'cluster-enabled': 'yes',
    'cluster-config-file': join(dir, `nodes-${port}.conf`),
    'cluster-node-timeout': '2000',
    save: '',
    appendonly: 'no',
    dir,
    daemonize: 'no',
  };
  const child = spawn(
    'redis-server',
    Object.entries(args).flatMap(([key, value]) => [`--${key}`, value]),
    {
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  // The nodes must not keep a finished test process alive; dispose() and the exit hook stop them.
  child.unref();
  return child;
}

// Stops the nodes and deletes their files even if this process dies without cleaning up (SIGKILL).
const WATCHDOG = `parent=$1; dir=$2; shift 2
while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
kill -KILL "$@" 2>/dev/null; rm -rf "$dir"`;

function startWatchdog(children: readonly ChildProcess[], dir: string): void {
  const pids = children.flatMap((child) => (child.pid === undefined ? [] : [String(child.pid)]));
  const watchdog = spawn('sh', ['-c', WATCHDOG, 'watchdog', String(process.pid), dir, ...pids], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.on('error', () => undefined);
  watchdog.unref();
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timeout = sleep(5_000).then(() => child.kill('SIGKILL'));
  await Promise.race([exited, timeout]);
}

/** Ports whose cluster bus port (port + 10000) is free as well. */
async function clusterPorts(size: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < size) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function answersPing(port: number): Promise<boolean> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'ping']);
  return stdout.trim() === 'PONG';
}

async function clusterOk(port: number): Promise<boolean> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
  return stdout.includes('cluster_state:ok');
}

async function waitFor(check: () => Promise<boolean>, what: string, dir: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) {
      const logs = await readFile(join(dir, `node-${what.split(' ')[1]}.log`), 'utf8').catch(
        () => '(no log)',
      );
      throw new Error(
        `Redis Cluster did not come up: no ${what} within ${START_TIMEOUT_MS / 1000}s. Node log:\n${logs.slice(-2_000)}`,
      );
    }
    await sleep(100);
  }
}

async function requirePrograms(): Promise<void> {
  for (const program of ['redis-server', 'redis-cli']) {
    try {
      await run(program, ['--version']);
    } catch {
      throw new Error(
        `[testing] \`${program}\` is needed for a Redis Cluster but was not found on the PATH. ${REMEDY}`,
      );
    }
  }
}
