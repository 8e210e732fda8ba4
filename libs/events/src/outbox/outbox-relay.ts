import pg from 'pg';
import type { Registry } from 'prom-client';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';
import { stderrLogger, type Logger } from '../logger.ts';
import { eventMetrics, type EventMetrics } from '../metrics.ts';
import { PgListener } from '../pg-listener.ts';
import { tracedSend } from '../tracing.ts';
import { Wakeup } from '../wakeup.ts';
import type { MessageBroker, OutgoingMessage } from '../transport/message-broker.ts';
import { inPooledTransaction, withPooledClient } from '../pooled-client.ts';
import { outboxChannel } from './event-tables.ts';
import { OutboxRepository, type OutboxRow } from './outbox.repository.ts';

export interface OutboxRelayOptions {
  /** The database holding the outbox. */
  connectionString: string;
  /** Schema of the outbox table; omit for the connection's search_path. Run one relay per (database, schema). */
  schema?: string;
  broker: MessageBroker;
  logger?: Logger;
  registry?: Registry;
  /** Label of this outbox in metrics and logs; defaults to the schema name. */
  name?: string;
  /** Rows claimed and published per round (default 500). */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
  /** Listen for the NOTIFY that {@link Outbox} sends on commit (default true). */
  listen?: boolean;
  /** Delay between attempts after a failed round (default 100 ms doubling to 30 s). */
  backoff?: BackoffOptions;
  /** How often the pending-count and oldest-age gauges are refreshed (default 5 s). */
  statsIntervalMs?: number;
}

// A round whose rows all wait behind another relay's in-flight batch retries after this pause.
const BLOCKED_RETRY_MS = 20;

/**
 * Publishes pending outbox rows to the broker in batches and marks them published by deleting them in
 * the same transaction. Several replicas can relay
 * the same outbox at once: rows are claimed with `FOR UPDATE SKIP LOCKED`, and a key whose older row
 * another relay holds waits, so per-key order survives. Publish failures are retried with backoff and
 * the rows stay pending, so nothing is dropped while the broker is down.
 */
export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  readonly #label: string;
  readonly #batchSize: number;
  readonly #logger: Logger;
  readonly #metrics: EventMetrics;
  readonly #repository: OutboxRepository;
  readonly #pool: pg.Pool;
  readonly #stopping = new AbortController();
  readonly #timers: NodeJS.Timeout[] = [];
  #listener: PgListener | undefined;
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  readonly #wakeup = new Wakeup();

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
    this.#label = options.name ?? options.schema ?? 'default';
    this.#batchSize = options.batchSize ?? 500;
    this.#logger = options.logger ?? stderrLogger;
    this.#metrics = eventMetrics(options.registry);
    this.#repository = new OutboxRepository(options.schema);
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 2,
      application_name: `outbox-relay ${this.#label}`,
    });
    this.#pool.on('error', (error) =>
      this.#logger.warn(
        { err: error, outbox: this.#label },
        'events: relay lost an idle database connection',
      ),
    );
  }

  /** Starts relaying; resolves once the loop runs (the LISTEN connection is attempted first). */
  async start(): Promise<void> {
    if (this.#loop !== undefined) throw new Error(`Outbox relay ${this.#label} is already started.`);
    if (this.#options.listen ?? true) {
      this.#listener = new PgListener({
        connectionString: this.#options.connectionString,
        channel: outboxChannel(this.#options.schema),
        logger: this.#logger,
        onNotification: () => this.#wakeup.wake(),
        onConnected: () => this.#wakeup.wake(),
      });
      await this.#listener.start();
    }
    this.#loop = this.#run();
    this.#every(this.#options.statsIntervalMs ?? 5_000, () => this.#refreshStats(), { now: true });
    this.#logger.info({ outbox: this.#label }, 'events: outbox relay started');
  }

  /** Finishes the batch in flight, then closes its connections. */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    this.#stopping.abort();
    this.#wakeup.wake();
    for (const timer of this.#timers) clearInterval(timer);
    await this.#loop;
    await this.#listener?.close();
    await this.#pool.end();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping.signal.aborted) {
      let round: { claimed: number; published: number };
      try {
        round = await this.#relayBatch();
        if (failures > 0)
          this.#logger.info(
            { outbox: this.#label, failures },
            'events: relay recovered; publishing the backlog',
          );
        failures = 0;
      } catch (error) {
        failures += 1;
        this.#metrics.outboxPublishFailures.inc({ outbox: this.#label });
        const delayMs = backoffDelay(failures, this.#options.backoff ?? { initialMs: 100, maxMs: 30_000 });
        this.#logger.warn(
          { err: error, outbox: this.#label, failures, retryInMs: delayMs },
          'events: relay round failed; rows stay pending and are retried. Check that the broker and the database are reachable',
        );
        await sleep(delayMs, this.#stopping.signal);
        continue;
      }
      if (round.claimed > 0 && round.published === 0) await sleep(BLOCKED_RETRY_MS, this.#stopping.signal);
      else if (round.claimed < this.#batchSize)
        await this.#wakeup.wait(this.#options.pollIntervalMs ?? 1_000);
    }
  }

  async #relayBatch(): Promise<{ claimed: number; published: number }> {
    const outcome = await inPooledTransaction(this.#pool, async (client) => {
      const rows = await this.#repository.claim(client, this.#batchSize);
      let ready = rows;
      if (rows.length > 0) {
        const blocked = await this.#repository.keysBehindOtherRelays(client, rows);
        if (blocked.size > 0) ready = rows.filter((row) => !blocked.has(row.key));
      }
      if (ready.length > 0) {
        const messages = ready.map(toMessage);
        await tracedSend(messages, { system: this.#options.broker.kind, outbox: this.#label }, () =>
          this.#options.broker.publish(messages),
        );
        await this.#repository.removePublished(
          client,
          ready.map((row) => row.seq),
        );
      }
      return { rows, ready };
    });
    this.#recordPublished(outcome.ready);
    return { claimed: outcome.rows.length, published: outcome.ready.length };
  }

  #recordPublished(rows: readonly OutboxRow[]): void {
    const now = Date.now();
    const perTopic = new Map<string, number>();
    for (const row of rows) {
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
      this.#metrics.outboxRelayDelay.observe(
        { outbox: this.#label },
        Math.max(0, now - row.createdAt.getTime()) / 1000,
      );
    }
    for (const [topic, count] of perTopic)
      this.#metrics.outboxPublished.inc({ outbox: this.#label, topic }, count);
  }

  async #refreshStats(): Promise<void> {
    const stats = await withPooledClient(this.#pool, (client) => this.#repository.stats(client));
    this.#metrics.outboxPending.set({ outbox: this.#label }, stats.pending);
    this.#metrics.outboxOldestPendingAge.set({ outbox: this.#label }, stats.oldestPendingAgeSeconds);
  }

  #every(intervalMs: number, task: () => Promise<void>, { now = false } = {}): void {
    let running = false;
    const tick = (): void => {
      if (running || this.#stopping.signal.aborted) return;
      running = true;
      task()
        .catch((error: unknown) =>
          this.#logger.debug(
            { err: error, outbox: this.#label },
            'events: relay housekeeping failed; retrying later',
          ),
        )
        .finally(() => (running = false));
    };
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    this.#timers.push(timer);
    if (now) tick();
  }
}

function toMessage(row: OutboxRow): OutgoingMessage {
  return { topic: row.topic, key: row.key, value: row.payload, headers: row.headers };
}
