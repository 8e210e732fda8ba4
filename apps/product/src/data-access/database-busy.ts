import { ProductErrors } from '../domain/product.errors.ts';

// pg-pool's only signal that no connection freed up within connectionTimeoutMillis.
const POOL_TIMEOUT = 'timeout exceeded when trying to connect';

/** Answers 503 with Retry-After instead of 500 when the connection pool is saturated: overload, not a bug. */
export async function busyAsUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && error.message === POOL_TIMEOUT) {
      throw ProductErrors.databaseBusy(undefined, { cause: error, headers: { 'retry-after': '1' } });
    }
    throw error;
  }
}
