import type pg from 'pg';
import { qualifiedTable } from '../sql.ts';
import { OUTBOX_COLUMNS as C, OUTBOX_TABLE } from './event-tables.ts';

export interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
  createdAt: Date;
}

export interface OutboxStats {
  pending: number;
  oldestPendingAgeSeconds: number;
}

/** The relay's SQL against one outbox table; every method runs on the client it is given. */
export class OutboxRepository {
  readonly #table: string;

  constructor(schema?: string) {
    this.#table = qualifiedTable(OUTBOX_TABLE, schema);
  }

  /** Locks the oldest pending rows no other relay holds. Call inside a transaction. */
  async claim(client: pg.ClientBase, limit: number): Promise<OutboxRow[]> {
    const result = await client.query<OutboxRow>(
      `SELECT ${C.seq} AS seq, ${C.topic} AS topic, ${C.key} AS key, ${C.payload} AS payload, ` +
        `${C.headers} AS headers, ${C.createdAt} AS "createdAt" ` +
        `FROM ${this.#table} WHERE ${C.publishedAt} IS NULL ORDER BY ${C.seq} LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return result.rows;
  }

  /**
   * Keys among `rows` that still have an older pending row outside them (held by another relay):
   * publishing those now could overtake it, so they wait for the next round.
   */
  async keysBehindOtherRelays(client: pg.ClientBase, rows: readonly OutboxRow[]): Promise<Set<string>> {
    const firstSeqByKey = new Map<string, string>();
    for (const row of rows) if (!firstSeqByKey.has(row.key)) firstSeqByKey.set(row.key, row.seq);
    const result = await client.query<{ key: string }>(
      `SELECT c.key FROM unnest($1::text[], $2::bigint[]) AS c(key, first_seq) WHERE EXISTS (` +
        `SELECT 1 FROM ${this.#table} o WHERE o.${C.key} = c.key AND o.${C.publishedAt} IS NULL AND o.${C.seq} < c.first_seq)`,
      [[...firstSeqByKey.keys()], [...firstSeqByKey.values()]],
    );
    return new Set(result.rows.map((row) => row.key));
  }

  async markPublished(client: pg.ClientBase, seqs: readonly string[]): Promise<void> {
    await client.query(`UPDATE ${this.#table} SET ${C.publishedAt} = now() WHERE ${C.seq} = ANY($1::bigint[])`, [seqs]);
  }

  async stats(client: pg.ClientBase): Promise<OutboxStats> {
    const result = await client.query<{ pending: string; age: number | null }>(
      `SELECT count(*) AS pending, extract(epoch FROM now() - min(${C.createdAt}))::float8 AS age ` +
        `FROM ${this.#table} WHERE ${C.publishedAt} IS NULL`,
    );
    const row = result.rows[0];
    return { pending: Number(row?.pending ?? 0), oldestPendingAgeSeconds: Math.max(0, row?.age ?? 0) };
  }

  /** Deletes up to `limit` rows published more than `olderThanMs` ago; returns how many. */
  async purgePublished(client: pg.ClientBase, olderThanMs: number, limit: number): Promise<number> {
    const result = await client.query(
      `DELETE FROM ${this.#table} WHERE ${C.seq} IN (SELECT ${C.seq} FROM ${this.#table} ` +
        `WHERE ${C.publishedAt} < now() - make_interval(secs => $1) ORDER BY ${C.publishedAt} LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [olderThanMs / 1000, limit],
    );
    return result.rowCount ?? 0;
  }
}
