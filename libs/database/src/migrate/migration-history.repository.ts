import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface MigrationHistoryRow {
  readonly migrationName: string;
  readonly checksum: string;
  readonly finishedAt: Date | null;
  readonly rolledBackAt: Date | null;
}

// Prisma Migrate's own DDL for PostgreSQL, so `prisma migrate status` reads the history we write.
const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** `_prisma_migrations` in the schema that is first on the client's search_path. */
export class MigrationHistoryRepository {
  readonly #client: pg.Client;

  constructor(client: pg.Client) {
    this.#client = client;
  }

  async ensureTable(): Promise<void> {
    await this.#client.query(CREATE_TABLE);
  }

  async list(): Promise<MigrationHistoryRow[]> {
    const result = await this.#client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at, migration_name',
    );
    return result.rows.map((row) => ({
      migrationName: row.migration_name,
      checksum: row.checksum,
      finishedAt: row.finished_at,
      rolledBackAt: row.rolled_back_at,
    }));
  }

  /** Called inside the migration's own transaction, so the record commits or rolls back with the change. */
  async recordApplied(migration: { name: string; checksum: string; startedAt: Date }): Promise<void> {
    await this.#client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name, migration.startedAt],
    );
  }

  /** A failed attempt is kept as rolled back: Prisma Migrate then treats it as not applied, as it is. */
  async recordRolledBack(migration: {
    name: string;
    checksum: string;
    startedAt: Date;
    logs: string;
  }): Promise<void> {
    await this.#client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, logs, rolled_back_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, $5, now(), 0)`,
      [randomUUID(), migration.checksum, migration.name, migration.startedAt, migration.logs],
    );
  }
}
