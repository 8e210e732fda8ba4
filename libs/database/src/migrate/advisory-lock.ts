import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { MigrationLockTimeoutError } from './migrate.errors.ts';

// The key Prisma Migrate locks, so our runner and a native `prisma migrate deploy` also exclude each other.
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;
const POLL_MS = 200;
const REPORT_EVERY_MS = 5_000;

/**
 * Holds the database-wide migration lock on `client`'s session for the duration of `work`. Polls instead of
 * blocking in pg_advisory_lock so the wait can report progress and give up with a clear error.
 */
export async function withMigrationLock<T>(
  client: pg.Client,
  options: { timeoutMs: number; where: string; onWait: (waitedMs: number) => void },
  work: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let lastReport = 0;
  while (!(await tryLock(client))) {
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) throw new MigrationLockTimeoutError(waited, options.where);
    if (lastReport === 0 || waited - lastReport >= REPORT_EVERY_MS) {
      lastReport = Math.max(waited, 1);
      options.onWait(waited);
    }
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
  }
}

async function tryLock(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
    PRISMA_MIGRATE_LOCK_KEY,
  ]);
  return result.rows[0]?.locked === true;
}
