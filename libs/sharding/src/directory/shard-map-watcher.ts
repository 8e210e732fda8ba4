import { PgListener, type Logger } from '@shop/events';
import pg from 'pg';
import { ShardMapError } from '../sharding.errors.ts';
import { readShardMap, SHARD_MAP_CHANNEL } from './shard-directory.ts';
import { describeAssignments, type ShardMap, type ShardMapExpectations } from './shard-map.ts';

export interface ShardMapWatcherOptions {
  /** The directory database holding shard_directory.shard_map. */
  directoryUrl: string;
  /** Every map read is validated against these; the first one failing refuses the start. */
  expected: ShardMapExpectations;
  /** Re-read this often even without a notification (a lost LISTEN connection, a missed notify); default 5 s. */
  pollIntervalMs?: number;
  logger: Logger;
}

export type ShardMapListener = (map: ShardMap, previous: ShardMap) => void;

const DEFAULT_POLL_INTERVAL_MS = 5_000;

/**
 * Follows the shard map: reads it at start, then re-reads on every `shard_map` notification and every
 * poll interval, so each replica converges on the newest version without a restart. Versions only move
 * forward; a newer map that fails validation is logged and ignored (the replica keeps routing by the last
 * valid one rather than stopping every replica at once).
 */
export class ShardMapWatcher {
  readonly #options: ShardMapWatcherOptions;
  readonly #pool: pg.Pool;
  readonly #listeners = new Set<ShardMapListener>();
  #listener: PgListener | undefined;
  #poll: NodeJS.Timeout | undefined;
  #map: ShardMap;
  #refreshing: Promise<void> | undefined;
  #again = false;
  #closed = false;

  private constructor(options: ShardMapWatcherOptions, pool: pg.Pool, map: ShardMap) {
    this.#options = options;
    this.#pool = pool;
    this.#map = map;
  }

  /**
   * Reads and validates the current map, then starts following it. Throws ShardMapError when the directory
   * holds no map (run the migrations, which seed it) or one that does not fit this replica's configuration.
   */
  static async start(options: ShardMapWatcherOptions): Promise<ShardMapWatcher> {
    const pool = new pg.Pool({
      connectionString: options.directoryUrl,
      max: 1,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'shard-map watcher',
    });
    pool.on('error', () => undefined);
    let map: ShardMap | undefined;
    try {
      map = await readShardMap(pool, options.expected);
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof ShardMapError) throw error;
      throw new ShardMapError(
        'SHARD_ERR_NO_MAP',
        `Cannot read the shard map from the directory database: ${(error as Error).message}. Check the ` +
          'directory URL and that the directory exists (npm run db:migrate creates and seeds it).',
        { cause: error },
      );
    }
    if (map === undefined) {
      await pool.end().catch(() => undefined);
      throw new ShardMapError(
        'SHARD_ERR_NO_MAP',
        'The shard directory holds no shard map yet: run npm run db:migrate, which creates it and seeds version 1.',
      );
    }
    const watcher = new ShardMapWatcher(options, pool, map);
    await watcher.#follow();
    return watcher;
  }

  /** The newest valid map this replica has seen. */
  current(): ShardMap {
    return this.#map;
  }

  get version(): number {
    return this.#map.version;
  }

  /** Called after the map changed (synchronously, before the next call routes by it); returns an unsubscribe. */
  onChange(listener: ShardMapListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the map now; concurrent calls share one read (and one more if a change came in meanwhile). */
  refresh(): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          await this.#read();
        } while (this.#again && !this.#closed);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#poll);
    await this.#listener?.close();
    await this.#refreshing?.catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }

  async #follow(): Promise<void> {
    const { logger } = this.#options;
    this.#listener = new PgListener({
      connectionString: this.#options.directoryUrl,
      channel: SHARD_MAP_CHANNEL,
      logger,
      onNotification: () => void this.refresh(),
      // Notifications sent while it was disconnected are lost: catch up on every (re)connect.
      onConnected: () => void this.refresh(),
    });
    await this.#listener.start();
    // The catch-up read of the first connect: a map published between the first read and LISTEN counts too.
    await this.#refreshing;
    this.#poll = setInterval(
      () => void this.refresh(),
      this.#options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    );
    this.#poll.unref();
  }

  async #read(): Promise<void> {
    if (this.#closed) return;
    const { logger, expected } = this.#options;
    let map: ShardMap | undefined;
    try {
      map = await readShardMap(this.#pool, expected);
    } catch (error) {
      if (this.#closed) return;
      if (error instanceof ShardMapError) {
        logger.error(
          { err: error, version: this.#map.version },
          'sharding: the newest shard map is invalid; still routing by the last valid version. Publish a corrected map.',
        );
      } else {
        logger.warn(
          { err: error, version: this.#map.version },
          'sharding: cannot read the shard map; still routing by the last version read, retrying at the next poll',
        );
      }
      return;
    }
    if (map === undefined || map.version <= this.#map.version) return;
    const previous = this.#map;
    this.#map = map;
    logger.info(
      {
        version: map.version,
        previousVersion: previous.version,
        assignments: describeAssignments(map.assignments),
      },
      'sharding: following a new shard map',
    );
    for (const listener of this.#listeners) {
      try {
        listener(map, previous);
      } catch (error) {
        logger.error({ err: error, version: map.version }, 'sharding: a shard map listener failed');
      }
    }
  }
}
