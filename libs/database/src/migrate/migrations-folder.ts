import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationsFolderError } from './migrate.errors.ts';

/** One migration of a Prisma migrations folder: `<migrationsDir>/<name>/migration.sql`. */
export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  /** sha256 of migration.sql as Prisma Migrate records it in `_prisma_migrations.checksum`. */
  readonly checksum: string;
}

export const MIGRATION_SCRIPT = 'migration.sql';
export const MIGRATION_LOCK_FILE = 'migration_lock.toml';

/** Reads every migration in Prisma's folder layout, ordered by folder name as Prisma Migrate orders them. */
export async function readMigrationsFolder(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: unknown) => {
    throw new MigrationsFolderError(
      `Cannot read the migrations folder ${migrationsDir}: ${(error as Error).message}. ` +
        'Pass the prisma/migrations folder of the app (create the first migration with npm run db:migration -- <app> init).',
      { cause: error },
    );
  });
  await assertPostgresLockFile(
    migrationsDir,
    entries.some((entry) => entry.name === MIGRATION_LOCK_FILE),
  );
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const path = join(migrationsDir, name, MIGRATION_SCRIPT);
      const sql = await readFile(path, 'utf8').catch((error: unknown) => {
        throw new MigrationsFolderError(
          `Migration folder ${join(migrationsDir, name)} has no readable ${MIGRATION_SCRIPT}. ` +
            'Every folder in prisma/migrations must hold one; delete the stray folder or add the script.',
          { cause: error },
        );
      });
      return { name, sql, checksum: sha256(sql) };
    }),
  );
}

/**
 * Prisma Migrate accepts a recorded checksum if it matches the script as is or with its line endings
 * converted either way, because git may rewrite them on checkout; we accept exactly the same.
 */
export function checksumMatches(sql: string, recorded: string): boolean {
  const candidates = [
    sql,
    sql.replaceAll('\r\n', '\n'),
    sql.replaceAll('\r\n', '\n').replaceAll('\n', '\r\n'),
  ];
  return candidates.some((candidate) => sha256(candidate) === recorded);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function assertPostgresLockFile(migrationsDir: string, present: boolean): Promise<void> {
  if (!present) return;
  const lock = await readFile(join(migrationsDir, MIGRATION_LOCK_FILE), 'utf8');
  const provider = /^\s*provider\s*=\s*"([^"]+)"/m.exec(lock)?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new MigrationsFolderError(
      `${join(migrationsDir, MIGRATION_LOCK_FILE)} says these migrations are for "${provider}", not PostgreSQL. ` +
        'Point migrate() at a PostgreSQL migrations folder.',
    );
  }
}
