import pg from 'pg';
import { backoffDelay, sleep } from './backoff.ts';
import type { Logger } from './logger.ts';

export interface PgListenerOptions {
  connectionString: string;
  channel: string;
  logger: Logger;
  onNotification(payload: string | undefined): void;
  /** Called after every (re)connect, since notifications sent while disconnected are lost. */
  onConnected?(): void;
}

/**
 * A dedicated connection LISTENing on one channel (LISTEN cannot share a pooled connection),
 * reconnecting with backoff. Callers poll as well, so a lost connection only costs latency.
 */
export class PgListener {
  readonly #options: PgListenerOptions;
  readonly #closed = new AbortController();
  #client: pg.Client | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: PgListenerOptions) {
    this.#options = options;
  }

  /** Connects and resolves once listening (or once the first attempt failed; it keeps retrying). */
  start(): Promise<void> {
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    this.#loop = this.#run(firstAttempt);
    return attempted;
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.#client?.end().catch(() => undefined);
    await this.#loop;
  }

  async #run(firstAttempt: () => void): Promise<void> {
    const { connectionString, channel, logger } = this.#options;
    for (let failures = 0; !this.#closed.signal.aborted;) {
      const client = new pg.Client({ connectionString, application_name: `listen ${channel}`.slice(0, 63) });
      const ended = new Promise<void>((resolve) => {
        client.once('end', resolve);
        client.on('error', (error) => {
          logger.warn(
            { err: error, channel },
            'events: LISTEN connection failed; polling until it reconnects',
          );
        });
      });
      client.on('notification', (message) => {
        if (message.channel === channel) this.#options.onNotification(message.payload);
      });
      try {
        this.#client = client;
        await client.connect();
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
        failures = 0;
        firstAttempt();
        this.#options.onConnected?.();
        await ended;
      } catch (error) {
        failures += 1;
        firstAttempt();
        if (!this.#closed.signal.aborted) {
          logger.warn(
            { err: error, channel, failures },
            'events: could not LISTEN; polling meanwhile and retrying',
          );
        }
        await client.end().catch(() => undefined);
      }
      await sleep(backoffDelay(failures + 1, { initialMs: 200, maxMs: 10_000 }), this.#closed.signal);
    }
  }
}
