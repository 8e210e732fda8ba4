import type { EventEnvelope } from '@shop/contracts';
import { qualifiedTable, type SqlTransaction } from '../sql.ts';
import { PROCESSED_EVENTS_COLUMNS as C, PROCESSED_EVENTS_TABLE } from '../outbox/event-tables.ts';

/**
 * Where a consumer records handled events: the same database, and the same transaction, as the
 * handler's effects. With Prisma: `{ transaction: (work) => prisma.$transaction(work) }`.
 */
export interface InboxStore<TTx extends SqlTransaction = SqlTransaction> {
  /** Runs `work` in one database transaction, committing when it resolves. */
  transaction<T>(work: (tx: TTx) => Promise<T>): Promise<T>;
  /** Schema of the processed-events table; omit for the connection's search_path. */
  schema?: string;
}

/** A fixed store, or one chosen per event (a sharded service picks the shard owning the event's subject). */
export type InboxStoreSelector<TTx extends SqlTransaction> =
  InboxStore<TTx> | ((event: EventEnvelope) => InboxStore<TTx>);

/**
 * Records "event `eventId` processed by `consumer`" in `tx`; false when it was already recorded,
 * in which case the caller must skip the event's effects. A concurrent duplicate waits for the first
 * transaction and then sees its row.
 */
export async function recordProcessed(
  tx: SqlTransaction,
  consumer: string,
  eventId: string,
  schema?: string,
): Promise<boolean> {
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO ${qualifiedTable(PROCESSED_EVENTS_TABLE, schema)} (${C.consumer}, ${C.eventId}) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING`,
    consumer,
    eventId,
  );
  return inserted === 1;
}

/**
 * Deletes up to `limit` records of `consumer` older than `olderThanMs`; returns how many. Keep records
 * longer than any redelivery can come late (offset resets, replays): days, not minutes.
 */
export async function pruneProcessedEvents(
  tx: SqlTransaction,
  options: { consumer: string; olderThanMs: number; limit?: number; schema?: string },
): Promise<number> {
  const table = qualifiedTable(PROCESSED_EVENTS_TABLE, options.schema);
  return tx.$executeRawUnsafe(
    `DELETE FROM ${table} WHERE (${C.consumer}, ${C.eventId}) IN (SELECT ${C.consumer}, ${C.eventId} FROM ${table} ` +
      `WHERE ${C.consumer} = $1 AND ${C.processedAt} < now() - make_interval(secs => $2) LIMIT $3)`,
    options.consumer,
    options.olderThanMs / 1000,
    options.limit ?? 10_000,
  );
}
