import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inPgTransaction, pgStatements } from '@shop/testing';
import type { IdempotencyStore, SqlTransaction } from '../../src/index.ts';

export const IDEMPOTENCY_KEYS_SQL = new URL('../fixtures/idempotency-keys.sql', import.meta.url);

/** Called with each transaction after its work, just before COMMIT; throwing rolls it back instead. */
export type BeforeCommit = (tx: SqlTransaction) => Promise<void>;

/**
 * The store a service would build from `prisma.$transaction` (and, with `autocommit`, the client itself for
 * single statements), over `pg` instead.
 */
export function pgStore(
  pool: pg.Pool,
  schema: string,
  beforeCommit: BeforeCommit = async () => {},
  { autocommit = false } = {},
): IdempotencyStore {
  const store: IdempotencyStore = {
    transaction: (work) => inPgTransaction(pool, work, { beforeCommit }),
    schema,
  };
  return autocommit ? { ...store, autocommit: pgStatements(pool) } : store;
}

/**
 * Creates `schema` with the idempotency keys table (from the SQL Prisma renders for the README's model) and
 * a table of the test route's effects.
 */
export async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  const sql = await readFile(IDEMPOTENCY_KEYS_SQL, 'utf8');
  const quoted = pg.escapeIdentifier(schema);
  const client = await pool.connect();
  try {
    await client.query(`CREATE SCHEMA ${quoted}; SET search_path TO ${quoted}; ${sql}`);
    await client.query(
      `CREATE TABLE ${quoted}.effects (id uuid PRIMARY KEY, scope text NOT NULL, amount int NOT NULL)`,
    );
  } finally {
    await client.query('RESET search_path');
    client.release();
  }
}
