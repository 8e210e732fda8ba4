import { randomBytes } from 'node:crypto';
import { defineEventContract } from '@shop/contracts';
import {
  Outbox,
  OutboxRelay,
  type Logger,
  type MessageBroker,
  type OutboxRelayOptions,
} from '../../src/index.ts';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import Type from 'typebox';
import { createEventTables } from './event-tables.ts';
import { pgInbox } from './pg-transaction.ts';

/** A test contract on its own topic: one item of a sequence per subject. */
export function itemRecordedContract(topic: string) {
  return defineEventContract({
    type: 'test.item-recorded.v1',
    source: 'test',
    topic,
    schema: Type.Object({ n: Type.Integer({ minimum: 0 }) }),
  });
}

export type ItemRecorded = ReturnType<typeof itemRecordedContract>;

export interface Effect {
  eventId: string;
  subject: string;
  n: number;
  attempt: number;
}

/**
 * A stand-in service: its own schema with the outbox and inbox tables and an `effects` table that
 * handlers write to, so tests can count side effects.
 */
export class ServiceFixture {
  readonly schema: string;
  readonly outbox: Outbox;
  readonly #pool: pg.Pool;
  readonly #databaseUrl: string;
  readonly #relays: OutboxRelay[] = [];

  private constructor(pool: pg.Pool, databaseUrl: string, schema: string) {
    this.#pool = pool;
    this.#databaseUrl = databaseUrl;
    this.schema = schema;
    this.outbox = new Outbox({ schema });
  }

  static async create(pool: pg.Pool, databaseUrl: string, label: string): Promise<ServiceFixture> {
    const schema = `${label.replaceAll('-', '_')}_${randomBytes(3).toString('hex')}`;
    await createEventTables(databaseUrl, schema);
    await pool.query(
      `CREATE TABLE "${schema}".effects (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, subject text NOT NULL, n int NOT NULL, attempt int NOT NULL)`,
    );
    return new ServiceFixture(pool, databaseUrl, schema);
  }

  get inbox() {
    return pgInbox(this.#pool, this.schema);
  }

  async startRelay(
    broker: MessageBroker,
    options: { logger: Logger; registry?: Registry } & Partial<OutboxRelayOptions>,
  ): Promise<OutboxRelay> {
    const relay = new OutboxRelay({
      connectionString: this.#databaseUrl,
      schema: this.schema,
      broker,
      pollIntervalMs: 200,
      ...options,
    });
    this.#relays.push(relay);
    await relay.start();
    return relay;
  }

  effectSql(): string {
    return `INSERT INTO "${this.schema}".effects (event_id, subject, n, attempt) VALUES ($1, $2, $3, $4)`;
  }

  async effects(): Promise<Effect[]> {
    const result = await this.#pool.query<Effect>(
      `SELECT event_id AS "eventId", subject, n, attempt FROM "${this.schema}".effects ORDER BY seq`,
    );
    return result.rows;
  }

  async pendingCount(): Promise<number> {
    const result = await this.#pool.query<{ count: string }>(
      `SELECT count(*) FROM "${this.schema}".outbox_events`,
    );
    return Number(result.rows[0]?.count);
  }

  async close(): Promise<void> {
    await Promise.all(this.#relays.map((relay) => relay.stop()));
  }
}
