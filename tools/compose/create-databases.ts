import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { environmentOf, ROOT, type ComposeFile } from './model.ts';

/** psql, which create-databases.sh runs: on the PATH, or Debian's postgresql-client. */
export function findPsql(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const debian = '/usr/lib/postgresql';
  for (const version of existsSync(debian) ? readdirSync(debian).sort().reverse() : []) {
    const candidate = join(debian, version, 'bin', 'psql');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('psql is missing: apt-get install postgresql-client (create-databases.sh runs it).');
}

/**
 * compose/postgres/create-databases.sh run against a real server (`serverUrl`, a superuser's) with the
 * environment compose gives the PostgreSQL service `service`: the roles and databases it makes there.
 */
export function createDatabases(
  model: ComposeFile,
  service: string,
  serverUrl: string,
  psql = findPsql(),
): SpawnSyncReturns<string> {
  const url = new URL(serverUrl);
  return spawnSync('sh', [join(ROOT, 'compose', 'postgres', 'create-databases.sh')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...environmentOf(model.services[service]!),
      PATH: `${join(psql, '..')}:${process.env['PATH'] ?? ''}`,
      POSTGRES_USER: decodeURIComponent(url.username),
      PGHOST: url.hostname,
      PGPORT: url.port,
      PGPASSWORD: decodeURIComponent(url.password),
    },
  });
}
