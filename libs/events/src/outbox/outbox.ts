import { EVENT_HEADERS, type EventContract, type EventData, type EventEnvelope } from '@shop/contracts';
import { prepareEvent, type EventInput, type PreparedEvent } from '../envelope.ts';
import { qualifiedTable, type SqlTransaction } from '../sql.ts';
import { injectTraceContext } from '../tracing.ts';
import { OUTBOX_COLUMNS as C, OUTBOX_TABLE, outboxChannel } from './event-tables.ts';

export interface OutboxOptions {
  /** Schema holding the outbox table; omit to follow the connection's search_path. One per order shard. */
  schema?: string;
  /**
   * Wake the relay with NOTIFY on commit (default true). NOTIFY serializes commits that use it
   * database-wide; at very high write rates turn it off and let the relay poll.
   */
  notify?: boolean;
}

// PostgreSQL allows 65535 bind parameters per statement; each row takes six.
const ROWS_PER_STATEMENT = 1000;

/**
 * Writes events into the outbox table inside the caller's transaction, so they are published if and
 * only if the state change commits. The relay ({@link OutboxRelay}) takes them to the broker.
 */
export class Outbox {
  readonly #table: string;
  readonly #channel: string;
  readonly #notify: boolean;

  constructor(options: OutboxOptions = {}) {
    this.#table = qualifiedTable(OUTBOX_TABLE, options.schema);
    this.#channel = outboxChannel(options.schema);
    this.#notify = options.notify ?? true;
  }

  /**
   * Adds one event to the outbox in `tx` (a Prisma interactive-transaction client, or anything with
   * `$executeRawUnsafe`). Validates it against its contract and captures the active trace context.
   */
  async enqueue<TContract extends EventContract>(
    tx: SqlTransaction,
    contract: TContract,
    input: EventInput<TContract>,
  ): Promise<EventEnvelope<EventData<TContract>, TContract['type']>> {
    const [event] = await this.enqueueMany(tx, [prepareEvent(contract, input)]);
    return event!.envelope;
  }

  /** Adds several prepared events ({@link prepareEvent}) to the outbox in `tx`, keeping their order. */
  async enqueueMany<TEvents extends readonly PreparedEvent[]>(
    tx: SqlTransaction,
    events: TEvents,
  ): Promise<TEvents> {
    for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
      await this.#insert(tx, events.slice(start, start + ROWS_PER_STATEMENT));
    }
    return events;
  }

  async #insert(tx: SqlTransaction, events: readonly PreparedEvent[]): Promise<void> {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (const { topic, envelope, requestId } of events) {
      const headers: Record<string, string> = {};
      if (requestId !== undefined) headers[EVENT_HEADERS.requestId] = requestId;
      injectTraceContext(headers, topic, envelope.type, envelope.id);
      const at = values.length;
      rows.push(`($${at + 1}::uuid, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}::jsonb)`);
      values.push(
        envelope.id,
        topic,
        envelope.subject,
        envelope.type,
        JSON.stringify(envelope),
        JSON.stringify(headers),
      );
    }
    const columns = [C.id, C.topic, C.key, C.type, C.payload, C.headers].join(', ');
    let sql = `INSERT INTO ${this.#table} (${columns}) VALUES ${rows.join(', ')}`;
    if (this.#notify) {
      // One round trip: the NOTIFY rides along and, like the rows, only takes effect on commit.
      values.push(this.#channel);
      sql =
        `INSERT INTO ${this.#table} (${columns}) SELECT v.* FROM (VALUES ${rows.join(', ')}) AS v(${columns}) ` +
        `CROSS JOIN (SELECT pg_notify($${values.length}, '')) AS wake`;
    }
    const inserted = await tx.$executeRawUnsafe(sql, ...values);
    if (inserted !== events.length) {
      throw new Error(
        `Outbox insert wrote ${inserted} of ${events.length} rows into ${this.#table}; ` +
          'check that the table matches the model in libs/events/README.md.',
      );
    }
  }
}
