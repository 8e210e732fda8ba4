import { inPgTransaction, type PgTransaction } from '@shop/testing';
import type pg from 'pg';
import type { InboxStore } from '../../src/index.ts';

export type { PgTransaction };

/** Runs `work` in one transaction on a pooled connection. */
export const inTransaction = <T>(pool: pg.Pool, work: (tx: PgTransaction) => Promise<T>): Promise<T> =>
  inPgTransaction(pool, work);

/** The inbox store a service would build from `prisma.$transaction`, over `pg` instead. */
export function pgInbox(pool: pg.Pool, schema: string): InboxStore<PgTransaction> {
  return { transaction: (work) => inTransaction(pool, work), schema };
}
