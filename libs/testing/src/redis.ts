import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';
import { findFreePort } from './free-port.ts';
import { createScratchDir, sharedStart } from './lifecycle.ts';
import { requireProgram } from './programs.ts';
import { launchLocalServer, ServerProcess, type LocalServer } from './server-process.ts';
import { labelSlug, randomSuffix } from './unique-name.ts';

export interface RedisEndpoint {
  /** `redis://` URL of the server. */
  readonly url: string;
}

/** A Redis server this process started itself, so a test may take it down and bring it back. */
export interface LocalRedisServer extends RedisEndpoint, LocalServer {}

const START_TIMEOUT_MS = 20_000;
const INSTALL_HINT =
  'Install it with `apt-get install -y redis-server` (macOS: `brew install redis`), or set REDIS_URL to a running Redis server.';

const shared = sharedStart(resolveRedis);

/**
 * The Redis server for tests: `REDIS_URL` when set, otherwise a `redis-server` from the PATH started once
 * per process on a free port (no persistence), stopped when the process exits.
 */
export function getRedis(): Promise<RedisEndpoint> {
  return shared.get();
}

/** A key prefix unique to this call (`test:<label>:<random>:`), so test files can share one Redis. */
export function uniqueKeyPrefix(label?: string): string {
  return `test:${labelSlug(label)}:${randomSuffix()}:`;
}

/**
 * Starts a dedicated Redis server for this test, whatever `REDIS_URL` says, because stopping a shared
 * server would break other test files running in parallel. Use it for outage tests.
 */
export function startRedisServer(): Promise<LocalRedisServer> {
  return launchRedis(() => undefined);
}

async function resolveRedis(): Promise<RedisEndpoint> {
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== '') return { url };
  const server = await launchRedis(() => shared.forget());
  return { url: server.url };
}

async function launchRedis(onDispose: () => void): Promise<LocalRedisServer> {
  const command = requireProgram('redis-server', INSTALL_HINT);
  const [dir, port, version] = await Promise.all([
    createScratchDir('redis'),
    findFreePort(),
    redisVersion(command),
  ]);
  const server = new ServerProcess({
    name: `Redis on 127.0.0.1:${port}`,
    command,
    args: Object.entries(redisConfig(port, dir.path)).flatMap(([key, value]) => [`--${key}`, value]),
    dir,
    isReady: () => answersPing(port),
    startTimeoutMs: START_TIMEOUT_MS,
    remedy:
      'Fix the cause shown in the log and run again (or, for the shared server, set REDIS_URL to a running Redis).',
  });
  const controls = await launchLocalServer(server, {
    port,
    dir,
    product: 'Redis',
    starting: `Redis ${version} on 127.0.0.1:${port}`,
    onDispose,
  });
  return { ...controls, url: `redis://127.0.0.1:${port}` };
}

// No persistence: a test server that loses everything on restart is what outage tests expect.
function redisConfig(port: number, dir: string): Record<string, string> {
  return { port: String(port), bind: '127.0.0.1', save: '', appendonly: 'no', dir, daemonize: 'no' };
}

async function redisVersion(command: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, ['--version']);
    return /v=(\S+)/.exec(stdout)?.[1] ?? '';
  } catch {
    return '';
  }
}

/** One PING over a raw socket: true when the server answers PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ready: boolean): void => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
