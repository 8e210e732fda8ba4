/** Base of every error the migration runner throws; `code` is stable, the message says what to do next. */
export class MigrationError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class MigrationsFolderError extends MigrationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_ERR_MIGRATIONS_FOLDER', message, options);
  }
}

export class InvalidSchemaNameError extends MigrationError {
  constructor(schema: string) {
    super(
      'DATABASE_ERR_INVALID_SCHEMA_NAME',
      `"${schema}" is not a usable PostgreSQL schema name here. Use letters, digits and underscores, ` +
        'starting with a letter or underscore, at most 63 characters (for example shard_07).',
    );
  }
}

/** An applied migration's migration.sql no longer matches the checksum recorded when it was applied. */
export class MigrationChecksumMismatchError extends MigrationError {
  readonly migrations: readonly string[];

  constructor(migrations: readonly string[], where: string) {
    super(
      'DATABASE_ERR_CHECKSUM_MISMATCH',
      `Migration${migrations.length > 1 ? 's' : ''} ${migrations.join(', ')} ${migrations.length > 1 ? 'were' : 'was'} ` +
        `edited after being applied to ${where}. Applied migrations must never change: restore the original ` +
        'migration.sql (see git log -p on the file) and put the change into a new migration ' +
        '(npm run db:migration -- <app> <name>).',
    );
    this.migrations = migrations;
  }
}

/** Prisma Migrate recorded a migration that started but never finished; it must be resolved by a person. */
export class UnfinishedMigrationError extends MigrationError {
  readonly migrations: readonly string[];

  constructor(migrations: readonly string[], where: string) {
    super(
      'DATABASE_ERR_UNFINISHED_MIGRATION',
      `${where} records migration${migrations.length > 1 ? 's' : ''} ${migrations.join(', ')} as started but ` +
        'not finished (left by Prisma Migrate, which does not run migrations in a transaction). Inspect the ' +
        'database, undo or complete the partial change, then mark it with `prisma migrate resolve ' +
        '--rolled-back <name>` (or --applied) and run the migrations again.',
    );
    this.migrations = migrations;
  }
}

export class MigrationFailedError extends MigrationError {
  readonly migration: string;
  /** 1-based line of migration.sql where PostgreSQL reported the error, when it said. */
  readonly line: number | undefined;

  constructor(migration: string, line: number | undefined, where: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'DATABASE_ERR_MIGRATION_FAILED',
      `Migration ${migration} failed${line === undefined ? '' : ` at line ${line} of its migration.sql`} on ${where}: ` +
        `${reason}. Its transaction was rolled back, so none of it was applied (earlier migrations of this run stay ` +
        'applied). Fix migration.sql, or schema.prisma and regenerate it, then run the migrations again.',
      { cause },
    );
    this.migration = migration;
    this.line = line;
  }
}

export class MigrationLockTimeoutError extends MigrationError {
  constructor(waitedMs: number, where: string) {
    super(
      'DATABASE_ERR_MIGRATION_LOCK_TIMEOUT',
      `Another process held the migration lock on ${where} for ${Math.round(waitedMs / 1000)}s. If a ` +
        'migration is still running elsewhere, wait for it; otherwise find the session holding the advisory lock ' +
        "(SELECT pid FROM pg_locks WHERE locktype = 'advisory') and end it, then run the migrations again.",
    );
  }
}
