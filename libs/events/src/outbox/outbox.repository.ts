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

/** The relay's SQL against one outbox table (which holds only pending rows); each method runs on the client it is given. */
export class OutboxRepository {
  readonly #table: string;

  constructor(schema?: string) {
    this.#table = qualifiedTable(OUTBOX_TABLE, schema);
  }

  /** Locks the oldest pending rows no other relay holds, oldest first. Call inside a transaction. */
  async claim(client: pg.ClientBase, limit: number): Promise<OutboxRow[]> {
    const result = await client.query<OutboxRow>(
      `SELECT ${C.seq} AS seq, ${C.topic} AS topic, ${C.key} AS key, ${C.payload} AS payload, ` +
        `${C.headers} AS headers, ${C.createdAt} AS "createdAt" FROM ${this.#table} ` +
        `ORDER BY ${C.seq} LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return result.rows;
  }

  /**
   * Keys among the claimed `rows` (oldest first) that have an older row outside them, held by another
   * relay: publishing those now could overtake it, so they wait for the next round.
   */
  async keysBehindOtherRelays(client: pg.ClientBase, rows: readonly OutboxRow[]): Promise<Set<string>> {
    const blocked = new Set<string>();
    if (rows.length === 0) return blocked;
    const claimed = rows.map((row) => row.seq);
    const newest = claimed.at(-1)!;
    // Usually there is none: a lone relay claims exactly the oldest rows, so the row after them is newer.
    const next = await client.query<{ seq: string }>(
      `SELECT ${C.seq} AS seq FROM ${this.#table} ORDER BY ${C.seq} OFFSET $1 LIMIT 1`,
      [rows.length],
    );
    const after = next.rows[0]?.seq;
    if (after === undefined || BigInt(after) > BigInt(newest)) return blocked;
    const others = await client.query<{ seq: string; key: string }>(
      `SELECT ${C.seq} AS seq, ${C.key} AS key FROM ${this.#table} WHERE ${C.seq} < $1 AND NOT (${C.seq} = ANY($2::bigint[]))`,
      [newest, claimed],
    );
    const firstClaimed = new Map<string, bigint>();
    for (const row of rows) if (!firstClaimed.has(row.key)) firstClaimed.set(row.key, BigInt(row.seq));
    for (const other of others.rows) {
      const first = firstClaimed.get(other.key);
      if (first !== undefined && BigInt(other.seq) < first) blocked.add(other.key);
    }
    return blocked;
  }

  /** Marks rows as published by deleting them; commit only after the broker acknowledged them. */
  async removePublished(client: pg.ClientBase, seqs: readonly string[]): Promise<void> {
    await client.query(`DELETE FROM ${this.#table} WHERE ${C.seq} = ANY($1::bigint[])`, [seqs]);
  }

  async stats(client: pg.ClientBase): Promise<OutboxStats> {
    const result = await client.query<{ pending: string; age: number | null }>(
      `SELECT count(*) AS pending, extract(epoch FROM now() - min(${C.createdAt}))::float8 AS age FROM ${this.#table}`,
    );
    const row = result.rows[0];
    return { pending: Number(row?.pending ?? 0), oldestPendingAgeSeconds: Math.max(0, row?.age ?? 0) };
  }
}
