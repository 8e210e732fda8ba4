import type pg from 'pg';

/**
 * A `pg` transaction shaped like Prisma's interactive-transaction client (what the events, idempotency
 * and sharding libraries take), plus plain `query` for assertions.
 */
export interface PgTransaction {
  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<R = unknown>(sql: string, ...values: unknown[]): Promise<R>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface PgTransactionOptions {
  /** Called after the work, just before COMMIT; throwing rolls the transaction back instead (a crash at commit). */
  beforeCommit?: (tx: PgTransaction) => Promise<void>;
}

/** Single statements on the pool, each committed on its own: what a Prisma client itself offers as `autocommit`. */
export function pgStatements(pool: pg.Pool): Pick<PgTransaction, '$executeRawUnsafe' | '$queryRawUnsafe'> {
  return {
    $executeRawUnsafe: async (sql, ...values) => (await pool.query(sql, values)).rowCount ?? 0,
    $queryRawUnsafe: async <R>(sql: string, ...values: unknown[]) =>
      (await pool.query(sql, values)).rows as R,
  };
}

/** Runs `work` in one transaction on a pooled connection; rolls back if it throws. */
export async function inPgTransaction<T>(
  pool: pg.Pool,
  work: (tx: PgTransaction) => Promise<T>,
  options: PgTransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  const tx: PgTransaction = {
    $executeRawUnsafe: async (sql, ...values) => (await client.query(sql, values)).rowCount ?? 0,
    $queryRawUnsafe: async <R>(sql: string, ...values: unknown[]) =>
      (await client.query(sql, values)).rows as R,
    query: (sql, values) => client.query(sql, values),
  };
  try {
    await client.query('BEGIN');
    const result = await work(tx);
    await options.beforeCommit?.(tx);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
