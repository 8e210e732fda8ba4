import pg from 'pg';
import { describeTarget, resolveSchema } from '../postgres-target.ts';
import { withMigrationLock } from './advisory-lock.ts';
import { MigrationError, MigrationFailedError } from './migrate.errors.ts';
import { MigrationHistoryRepository } from './migration-history.repository.ts';
import { planMigrations } from './migration-plan.ts';
import { readMigrationsFolder, type MigrationFile } from './migrations-folder.ts';

/** Where progress goes; a pino logger or `console` fits. */
export interface MigrationLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface MigrateOptions {
  /** PostgreSQL URL of a role allowed to create the schema (if missing) and its tables. */
  databaseUrl: string;
  /** A Prisma migrations folder: `<name>/migration.sql` per migration, applied in name order. */
  migrationsDir: string;
  /** Schema to migrate (created if missing); defaults to the URL's `?schema=`, then `public`. */
  schema?: string;
  logger?: MigrationLogger;
  /** How long to wait for another process holding the migration lock; default 5 minutes. */
  lockTimeoutMs?: number;
}

export interface AppliedMigration {
  readonly name: string;
  readonly checksum: string;
  readonly durationMs: number;
}

export interface MigrateResult {
  readonly schema: string;
  /** Migrations this call applied, in order; empty when the schema was already up to date. */
  readonly applied: readonly AppliedMigration[];
  readonly alreadyApplied: readonly string[];
}

const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
const silent: MigrationLogger = { info: () => undefined, warn: () => undefined };

/**
 * Applies the pending migrations of a Prisma migrations folder to one schema, each in its own transaction,
 * recording them in Prisma's `_prisma_migrations` table. Concurrent callers serialize on Prisma Migrate's
 * advisory lock, so each migration is applied once. Refuses, before applying anything, when an applied
 * migration's file changed.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const schema = resolveSchema(options.databaseUrl, options.schema);
  const where = describeTarget(options.databaseUrl, schema);
  const logger = options.logger ?? silent;
  const files = await readMigrationsFolder(options.migrationsDir);

  const client = new pg.Client({
    connectionString: options.databaseUrl,
    application_name: 'shop-migrate',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle connection that drops emits 'error'; the next query reports it, so the event itself is ignored.
  client.on('error', () => undefined);
  await client.connect().catch((error: unknown) => {
    throw new MigrationError(
      'DATABASE_ERR_UNREACHABLE',
      `Cannot connect to ${where} to migrate it: ${(error as Error).message}. Check the database URL and that ` +
        'PostgreSQL is running and accepts this role.',
      { cause: error },
    );
  });
  try {
    return await withMigrationLock(
      client,
      {
        timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        where,
        onWait: (waited) =>
          logger.info(
            `waiting for another process to finish migrating ${where} (${Math.round(waited / 1000)}s) ...`,
          ),
      },
      async () => {
        await useSchema(client, schema, true);
        const history = new MigrationHistoryRepository(client);
        await history.ensureTable();
        const plan = planMigrations(files, await history.list(), where);
        for (const name of plan.unknown) {
          logger.warn(
            `${where} has migration ${name} applied, which is not in ${options.migrationsDir}; left as is.`,
          );
        }
        if (plan.pending.length === 0) {
          logger.info(`${where} is up to date (${plan.alreadyApplied.length} migrations applied).`);
          return { schema, applied: [], alreadyApplied: plan.alreadyApplied };
        }
        const applied: AppliedMigration[] = [];
        for (const [index, file] of plan.pending.entries()) {
          logger.info(`applying migration ${index + 1}/${plan.pending.length} ${file.name} to ${where} ...`);
          await useSchema(client, schema, false);
          applied.push(await applyOne(client, history, file, where));
        }
        logger.info(`${where}: applied ${applied.length} migration(s).`);
        return { schema, applied, alreadyApplied: plan.alreadyApplied };
      },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function applyOne(
  client: pg.Client,
  history: MigrationHistoryRepository,
  file: MigrationFile,
  where: string,
): Promise<AppliedMigration> {
  const startedAt = new Date();
  const started = performance.now();
  await client.query('BEGIN');
  try {
    await client.query(file.sql);
    await history.recordApplied({ name: file.name, checksum: file.checksum, startedAt });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const failure = new MigrationFailedError(file.name, errorLine(file.sql, error), where, error);
    await history
      .recordRolledBack({ name: file.name, checksum: file.checksum, startedAt, logs: failure.message })
      .catch(() => undefined);
    throw failure;
  }
  return { name: file.name, checksum: file.checksum, durationMs: Math.round(performance.now() - started) };
}

async function useSchema(client: pg.Client, schema: string, createIfMissing: boolean): Promise<void> {
  const quoted = client.escapeIdentifier(schema);
  if (createIfMissing) {
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
  }
  await client.query(`SET search_path TO ${quoted}`);
}

function errorLine(sql: string, error: unknown): number | undefined {
  const position = error instanceof pg.DatabaseError ? Number(error.position) : Number.NaN;
  if (!Number.isInteger(position) || position < 1) return undefined;
  return sql.slice(0, position - 1).split('\n').length;
}
