import pg from 'pg';
import { backoffDelay, sleep } from '../backoff.ts';
import { stderrLogger, type Logger } from '../logger.ts';
import { inPooledTransaction } from '../pooled-client.ts';
import { Wakeup } from '../wakeup.ts';
import type {
  IncomingMessage,
  MessageBroker,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
} from './message-broker.ts';

export interface PostgresBrokerOptions {
  /** Any database all services can reach (in `npm start`, one on the embedded server). */
  connectionString: string;
  /** Schema holding the bus tables, created on first use (default `event_bus`). */
  schema?: string;
  logger?: Logger;
  /** Fallback poll of an idle or standby member (default 500 ms). */
  pollIntervalMs?: number;
  /** Messages read per query (default 100). */
  fetchSize?: number;
  /**
   * How long messages are kept, like Kafka's `retention.ms` (default 7 days): older ones are deleted
   * whether or not every group has read them, and a group behind them resumes at the oldest one kept.
   */
  retentionMs?: number;
  /** How often this client deletes expired messages (default 10 min); 0 turns it off. */
  pruneIntervalMs?: number;
}

const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_BATCH = 5_000;

interface StoredMessage {
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * The stand-in broker for running without Kafka: an append-only log per topic in PostgreSQL, with
 * Kafka's contract where services can tell (durable publish, per-key order, consumer groups with
 * committed offsets, at-least-once delivery). Each topic is one partition; one member of a group
 * consumes at a time (an advisory lock), the others stand by and take over when it leaves.
 */
export class PostgresBroker implements MessageBroker {
  readonly kind = 'postgres';
  readonly #options: PostgresBrokerOptions;
  readonly #schema: string;
  readonly #logger: Logger;
  readonly #pool: pg.Pool;
  readonly #subscriptions = new Set<PostgresSubscription>();
  #ready: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(options: PostgresBrokerOptions) {
    this.#options = options;
    this.#schema = options.schema ?? 'event_bus';
    this.#logger = options.logger ?? stderrLogger;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 4,
      application_name: 'event-bus',
    });
    this.#pool.on('error', (error) =>
      this.#logger.warn({ err: error }, 'events: event bus lost an idle database connection'),
    );
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#ensureTables();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const message of messages)
      byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
    const t = this.#tables();
    await this.#transaction(async (client) => {
      // Topics are locked in name order so concurrent publishers cannot deadlock; the topic row lock,
      // held to commit, makes offsets visible in order with no gaps.
      for (const topic of [...byTopic.keys()].sort()) {
        const batch = byTopic.get(topic)!;
        const reserved = await client.query<{ last: string }>(
          `INSERT INTO ${t.topics} (topic, last_offset) VALUES ($1, $2::bigint - 1) ` +
            `ON CONFLICT (topic) DO UPDATE SET last_offset = ${t.topics}.last_offset + $2::bigint RETURNING last_offset AS last`,
          [topic, batch.length],
        );
        const first = BigInt(reserved.rows[0]!.last) - BigInt(batch.length) + 1n;
        await client.query(
          `INSERT INTO ${t.messages} (topic, log_offset, key, value, headers) ` +
            `SELECT $1, $2::bigint + m.ordinality - 1, m.key, m.value, m.headers ` +
            `FROM unnest($3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS m(key, value, headers, ordinality)`,
          [
            topic,
            first.toString(),
            batch.map((m) => m.key),
            batch.map((m) => m.value),
            batch.map((m) => JSON.stringify(m.headers)),
          ],
        );
        await client.query('SELECT pg_notify($1, $2)', [this.#channel(), topic]);
      }
    });
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.#ensureTables();
    const subscription = new PostgresSubscription(options, {
      connectionString: this.#options.connectionString,
      tables: this.#tables(),
      channel: this.#channel(),
      lockSpace: `${this.#schema}:group`,
      logger: this.#logger,
      pollIntervalMs: this.#options.pollIntervalMs ?? 500,
      fetchSize: this.#options.fetchSize ?? 100,
      onClosed: () => this.#subscriptions.delete(subscription),
    });
    this.#subscriptions.add(subscription);
    await subscription.start();
    return subscription;
  }

  async *readTopic(topic: string): AsyncIterable<IncomingMessage> {
    await this.#ensureTables();
    const t = this.#tables();
    const end = await this.#pool.query<{ last: string }>(
      `SELECT last_offset AS last FROM ${t.topics} WHERE topic = $1`,
      [topic],
    );
    const last = end.rows[0]?.last;
    if (last === undefined) return;
    for (let next = '0'; BigInt(next) <= BigInt(last);) {
      const page = await this.#pool.query<StoredMessage>(
        `SELECT log_offset AS offset, key, value, headers FROM ${t.messages} ` +
          'WHERE topic = $1 AND log_offset >= $2 AND log_offset <= $3 ORDER BY log_offset LIMIT 500',
        [topic, next, last],
      );
      if (page.rows.length === 0) return;
      for (const row of page.rows) yield toIncoming(topic, row);
      next = (BigInt(page.rows.at(-1)!.offset) + 1n).toString();
    }
  }

  /**
   * Deletes the messages older than the retention, in batches, and returns how many went. Runs every
   * `pruneIntervalMs` on its own; several clients may run it at once (one does the work, the others skip).
   */
  async prune(): Promise<number> {
    await this.#ensureTables();
    const t = this.#tables();
    const retentionMs = this.#options.retentionMs ?? DEFAULT_RETENTION_MS;
    let deleted = 0;
    for (;;) {
      let batch = 0;
      await this.#transaction(async (client) => {
        const lock = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
          [`${this.#schema}:prune`],
        );
        if (!lock.rows[0]?.locked) return;
        const result = await client.query(
          `DELETE FROM ${t.messages} WHERE (topic, log_offset) IN (SELECT topic, log_offset FROM ${t.messages} ` +
            `WHERE published_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT $2)`,
          [retentionMs, PRUNE_BATCH],
        );
        batch = result.rowCount ?? 0;
      });
      deleted += batch;
      if (batch < PRUNE_BATCH) return deleted;
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#pruneTimer);
      await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
      await this.#pool.end();
    })();
    return this.#closed;
  }

  #tables(): BusTables {
    const schema = pg.escapeIdentifier(this.#schema);
    return { topics: `${schema}.topics`, messages: `${schema}.messages`, offsets: `${schema}.group_offsets` };
  }

  #channel(): string {
    return `${this.#schema}:messages`.slice(0, 63);
  }

  #ensureTables(): Promise<void> {
    this.#ready ??= this.#transaction(async (client) => {
      const t = this.#tables();
      // Several services create the bus at once on start-up; the lock keeps their DDL from racing.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.#schema}:setup`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(this.#schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${t.topics} (topic text PRIMARY KEY, last_offset bigint NOT NULL)`,
      );
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${t.messages} (topic text NOT NULL, log_offset bigint NOT NULL, key text, value text, ` +
          `headers jsonb NOT NULL DEFAULT '{}', published_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (topic, log_offset))`,
      );
      // Retention deletes by age.
      await client.query(`CREATE INDEX IF NOT EXISTS messages_published_at ON ${t.messages} (published_at)`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${t.offsets} (group_id text NOT NULL, topic text NOT NULL, next_offset bigint NOT NULL, ` +
          'PRIMARY KEY (group_id, topic))',
      );
      this.#startPruning();
    }).catch((error: unknown) => {
      this.#ready = undefined;
      throw new Error(
        `Could not create the event bus tables in schema ${this.#schema}: ${(error as Error).message}. Check the event bus database URL and its permissions.`,
        { cause: error },
      );
    });
    return this.#ready;
  }

  #startPruning(): void {
    const intervalMs = this.#options.pruneIntervalMs ?? 10 * 60 * 1000;
    if (intervalMs <= 0 || this.#pruneTimer !== undefined) return;
    this.#pruneTimer = setInterval(() => {
      this.prune().then(
        (deleted) => {
          if (deleted > 0)
            this.#logger.info({ deleted }, 'events: event bus deleted messages past retention');
        },
        (error: unknown) =>
          this.#logger.warn({ err: error }, 'events: event bus pruning failed; retried later'),
      );
    }, intervalMs);
    this.#pruneTimer.unref();
  }

  #transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    return inPooledTransaction(this.#pool, work);
  }
}

interface BusTables {
  topics: string;
  messages: string;
  offsets: string;
}

interface MemberSettings {
  connectionString: string;
  tables: BusTables;
  channel: string;
  lockSpace: string;
  logger: Logger;
  pollIntervalMs: number;
  fetchSize: number;
  onClosed(): void;
}

/** One group member: a dedicated connection that holds the group's lock while it consumes. */
class PostgresSubscription implements Subscription {
  readonly #options: SubscribeOptions;
  readonly #settings: MemberSettings;
  readonly #closing = new AbortController();
  readonly #nextOffset = new Map<string, bigint>();
  #client: pg.Client | undefined;
  #loop: Promise<void> | undefined;
  readonly #wakeup = new Wakeup();

  constructor(options: SubscribeOptions, settings: MemberSettings) {
    this.#options = options;
    this.#settings = settings;
  }

  start(): Promise<void> {
    let firstRound!: () => void;
    const started = new Promise<void>((resolve) => (firstRound = resolve));
    this.#loop = this.#run(firstRound);
    return started;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    this.#wakeup.wake();
    await this.#loop;
    this.#settings.onClosed();
  }

  async #run(firstRound: () => void): Promise<void> {
    const { logger, pollIntervalMs } = this.#settings;
    for (let failures = 0; !this.#closing.signal.aborted;) {
      try {
        const client = await this.#connect();
        const leading = await this.#tryLead(client);
        firstRound();
        failures = 0;
        const consumed = leading ? await this.#consumeRound(client) : 0;
        if (consumed === 0) await this.#wakeup.wait(pollIntervalMs);
      } catch (error) {
        firstRound();
        failures += 1;
        if (this.#closing.signal.aborted) break;
        logger.warn(
          { err: error, group: this.#options.groupId, failures },
          'events: event bus consumer failed; reconnecting',
        );
        await this.#disconnect();
        await sleep(backoffDelay(failures, { initialMs: 200, maxMs: 10_000 }), this.#closing.signal);
      }
    }
    await this.#disconnect();
  }

  async #connect(): Promise<pg.Client> {
    if (this.#client !== undefined) return this.#client;
    const client = new pg.Client({
      connectionString: this.#settings.connectionString,
      application_name: `event-bus ${this.#options.groupId}`.slice(0, 63),
    });
    client.on('error', (error) =>
      this.#settings.logger.warn(
        { err: error, group: this.#options.groupId },
        'events: event bus connection failed',
      ),
    );
    client.on('end', () => {
      if (this.#client === client) this.#client = undefined;
      this.#wakeup.wake();
    });
    client.on('notification', (message) => {
      if (message.payload !== undefined && this.#options.topics.includes(message.payload))
        this.#wakeup.wake();
    });
    await client.connect();
    await client.query(`LISTEN ${client.escapeIdentifier(this.#settings.channel)}`);
    this.#client = client;
    this.#nextOffset.clear();
    return client;
  }

  async #disconnect(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #tryLead(client: pg.Client): Promise<boolean> {
    if (this.#nextOffset.size > 0) return true;
    const result = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
      [this.#settings.lockSpace, this.#options.groupId],
    );
    if (!result.rows[0]?.locked) return false;
    const { tables } = this.#settings;
    const committed = await client.query<{ topic: string; next: string }>(
      `SELECT topic, next_offset AS next FROM ${tables.offsets} WHERE group_id = $1 AND topic = ANY($2::text[])`,
      [this.#options.groupId, this.#options.topics],
    );
    for (const topic of this.#options.topics) this.#nextOffset.set(topic, 0n);
    for (const row of committed.rows) this.#nextOffset.set(row.topic, BigInt(row.next));
    return true;
  }

  /** Handles one page of each topic; returns how many messages were handled. */
  async #consumeRound(client: pg.Client): Promise<number> {
    const { tables, fetchSize } = this.#settings;
    let handled = 0;
    for (const topic of this.#options.topics) {
      const next = this.#nextOffset.get(topic) ?? 0n;
      const page = await client.query<StoredMessage & { last: string }>(
        `SELECT m.log_offset AS offset, m.key, m.value, m.headers, t.last_offset AS last FROM ${tables.messages} m ` +
          `JOIN ${tables.topics} t ON t.topic = m.topic WHERE m.topic = $1 AND m.log_offset >= $2 ORDER BY m.log_offset LIMIT $3`,
        [topic, next.toString(), fetchSize],
      );
      for (const row of page.rows) {
        if (this.#closing.signal.aborted) return handled;
        await this.#options.handle(toIncoming(topic, row), this.#closing.signal);
        const committed = BigInt(row.offset) + 1n;
        await client.query(
          `INSERT INTO ${tables.offsets} (group_id, topic, next_offset) VALUES ($1, $2, $3) ` +
            'ON CONFLICT (group_id, topic) DO UPDATE SET next_offset = EXCLUDED.next_offset',
          [this.#options.groupId, topic, committed.toString()],
        );
        this.#nextOffset.set(topic, committed);
        this.#options.onLag?.(topic, 0, Number(BigInt(row.last) - BigInt(row.offset)));
        handled += 1;
      }
    }
    return handled;
  }
}

function toIncoming(topic: string, row: StoredMessage): IncomingMessage {
  return {
    topic,
    partition: 0,
    offset: String(row.offset),
    key: row.key,
    value: row.value,
    headers: row.headers,
  };
}
