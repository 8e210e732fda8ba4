import type { InboxStore, SqlTransaction } from '../../src/index.ts';
import type pg from 'pg';

/** A `pg` transaction shaped like Prisma's interactive-transaction client, plus plain `query`. */
export interface PgTransaction extends SqlTransaction {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Runs `work` in one transaction on a pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, work: (tx: PgTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const tx: PgTransaction = {
    $executeRawUnsafe: async (sql, ...values) => (await client.query(sql, values)).rowCount ?? 0,
    query: (sql, values) => client.query(sql, values),
  };
  try {
    await client.query('BEGIN');
    const result = await work(tx);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** The inbox store a service would build from `prisma.$transaction`, over `pg` instead. */
export function pgInbox(pool: pg.Pool, schema: string): InboxStore<PgTransaction> {
  return { transaction: (work) => inTransaction(pool, work), schema };
}
