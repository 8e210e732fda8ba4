import type pg from 'pg';

/**
 * Runs `work` with a client checked out of `pool`. While a client is checked out, pg-pool no longer listens
 * for its errors, so a connection dropped while the holder awaits something else (a Kafka send, say) would
 * be an uncaught 'error' event that kills the process. This listens for as long as the client is held and
 * discards a broken client instead of returning it to the pool.
 */
export async function withPooledClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, markBroken: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client, onError);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * `work` inside BEGIN/COMMIT on a connection the caller holds; rolls back if it throws. A failed ROLLBACK is
 * handed to `onRollbackError` (the connection is then unusable) and the work's error is thrown.
 */
export async function inClientTransaction<T, Client extends pg.ClientBase>(
  client: Client,
  work: (client: Client) => Promise<T>,
  onRollbackError: (error: Error) => void = () => undefined,
): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(onRollbackError);
    throw error;
  }
}

/** `withPooledClient` inside BEGIN/COMMIT; a failed ROLLBACK marks the client broken. */
export function inPooledTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withPooledClient(pool, (client, markBroken) => inClientTransaction(client, work, markBroken));
}
