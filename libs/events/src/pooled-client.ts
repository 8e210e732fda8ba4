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

/** `withPooledClient` inside BEGIN/COMMIT; a failed ROLLBACK marks the client broken. */
export function inPooledTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withPooledClient(pool, async (client, markBroken) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(markBroken);
      throw error;
    }
  });
}
