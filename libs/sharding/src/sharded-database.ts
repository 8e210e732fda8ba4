import type { Logger } from '@shop/events';
import { exposePoolMetrics } from '@shop/database';
import type { AppError } from '@shop/platform/errors';
import pg from 'pg';
import type { Registry } from 'prom-client';
import { ShardMapWatcher, type ShardMapListener } from './directory/shard-map-watcher.ts';
import { shardingMetrics, type ShardingMetrics } from './metrics.ts';
import type { ShardMap, ShardState } from './directory/shard-map.ts';
import { logicalShardOf } from './shard-key.ts';
import { shardSchema } from './shard-schema.ts';
import { redactUrl, type ShardServers } from './shard-servers.ts';
import { isShardReadOnlyError } from './move/write-freeze.ts';
import { ShardingErrors, ShardMapError } from './sharding.errors.ts';

/** A client the database can close on shutdown; a Prisma client fits. */
export interface ShardClient {
  $disconnect(): Promise<void>;
}

export interface ShardedDatabaseOptions<Client extends ShardClient> {
  /** Server name -> URL; every server the map may name (parseShardServers reads the env form). */
  servers: ShardServers;
  /** The directory database holding the shard map. */
  directoryUrl: string;
  /** Fixed per deployment; a map with another count refuses the start. */
  shardCount: number;
  /** `orders_s` -> schemas orders_s00 .. orders_s15. */
  schemaPrefix: string;
  /** Connections per physical server, shared by all shards on it; size as replicas x this <= the server's budget. */
  poolSizePerServer: number;
  /**
   * Builds the client of one shard on its server's shared pool, e.g.
   * `(pool, schema, shardErrors) => withDatabaseErrors(new PrismaClient({ adapter: new PrismaPg(pool, { schema }) }), { translate: shardErrors })`.
   * The pool is not the client's to end. Raw SQL must qualify tables with `schema`: the shared pool has no
   * per-shard search_path. Pass every query error through `shardErrors`: a write refused by the read-only
   * copy a move left behind becomes the frozen shard's 503 + Retry-After, and the map is re-read at once.
   */
  clientFor(pool: pg.Pool, schema: string, shardErrors: (error: unknown) => unknown): Client;
  logger: Logger;
  /** How often to re-read the map without a notification; default 5 s. */
  pollIntervalMs?: number;
  /** Retry-After of a write refused on a frozen shard; default 2 s (a move's freeze lasts seconds). */
  frozenRetryAfterSeconds?: number;
  /** Wait this long for a pooled connection before failing; default 5 s, so overload fails fast. */
  connectionTimeoutMs?: number;
  /** Shows in pg_stat_activity; default `shop-sharded`. */
  applicationName?: string;
  /** The service's Prometheus registry (`app.metrics.registry`): map version, frozen-write refusals. */
  registry?: Registry;
}

/** Where one logical shard lives right now, for the outbox relays and operators. */
export interface ShardPlacement {
  readonly shard: number;
  readonly schema: string;
  readonly server: string;
  readonly state: ShardState;
  /** The server's URL from this replica's configuration. */
  readonly connectionString: string;
}

/**
 * Routes a sharded service's data access: customer -> logical shard (a stable hash), logical shard ->
 * physical server (the shard map, followed live), one schema per shard. One bounded pg.Pool per server is
 * shared by all shards on it; one client per (shard, server) is built on it when first used and kept, so a
 * map change only changes which client the next call gets.
 */
export class ShardedDatabase<Client extends ShardClient> {
  readonly #options: ShardedDatabaseOptions<Client>;
  readonly #watcher: ShardMapWatcher;
  readonly #pools: ReadonlyMap<string, pg.Pool>;
  readonly #clients = new Map<string, Client>();
  readonly #metrics: ShardingMetrics;
  #closed = false;

  private constructor(
    options: ShardedDatabaseOptions<Client>,
    watcher: ShardMapWatcher,
    pools: Map<string, pg.Pool>,
  ) {
    this.#options = options;
    this.#watcher = watcher;
    this.#pools = pools;
    this.#metrics = shardingMetrics(options.registry);
    this.#metrics.mapVersion.set(watcher.version);
    watcher.onChange((map) => this.#metrics.mapVersion.set(map.version));
  }

  /**
   * Reads the shard map and starts following it. Refuses (ShardMapError) when the directory has no map, or
   * one whose shard count differs from `shardCount` or that names a server missing from `servers`.
   */
  static async open<Client extends ShardClient>(
    options: ShardedDatabaseOptions<Client>,
  ): Promise<ShardedDatabase<Client>> {
    const names = Object.keys(options.servers);
    if (names.length === 0) {
      throw new ShardMapError(
        'SHARD_ERR_CONFIG',
        'No shard servers are configured: configure at least one name=URL.',
      );
    }
    if (!Number.isInteger(options.poolSizePerServer) || options.poolSizePerServer < 1) {
      throw new ShardMapError(
        'SHARD_ERR_CONFIG',
        `poolSizePerServer must be a positive integer, not ${options.poolSizePerServer}.`,
      );
    }
    const watcher = await ShardMapWatcher.start({
      directoryUrl: options.directoryUrl,
      expected: { shardCount: options.shardCount, servers: names },
      logger: options.logger,
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    });
    const pools = new Map<string, pg.Pool>();
    for (const [name, url] of Object.entries(options.servers)) {
      const pool = new pg.Pool({
        connectionString: url,
        max: options.poolSizePerServer,
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
        idleTimeoutMillis: 30_000,
        application_name: `${options.applicationName ?? 'shop-sharded'} ${name}`.slice(0, 63),
      });
      // Each shard's adapter adds its own 'error' listener to the shared pool: not a leak.
      pool.setMaxListeners(options.shardCount + 10);
      pool.on('error', (error) =>
        options.logger.warn(
          { err: error, server: name, url: redactUrl(url) },
          'sharding: an idle connection failed',
        ),
      );
      if (options.registry !== undefined) exposePoolMetrics(options.registry, name, pool);
      pools.set(name, pool);
    }
    const database = new ShardedDatabase(options, watcher, pools);
    options.logger.info(
      { version: watcher.version, servers: names, shardCount: options.shardCount },
      'sharding: routing by the shard map',
    );
    return database;
  }

  /** The logical shard of a customer's data. */
  shardOf(customerId: string): number {
    return logicalShardOf(customerId, this.#options.shardCount);
  }

  /** `orders_s03` for shard 3. */
  schemaOf(shard: number): string {
    this.#checkShard(shard);
    return shardSchema(this.#options.schemaPrefix, shard);
  }

  /** The client of the shard's current server; reads are served while a shard is frozen. */
  forRead(shard: number): Client {
    return this.#clientOf(this.#placement(shard));
  }

  /**
   * The client of the shard's current server for a write. Throws AppError 503 SHARD_ERR_FROZEN with
   * Retry-After while the shard is frozen for a move; the other shards are unaffected.
   */
  forWrite(shard: number): Client {
    const placement = this.#placement(shard);
    if (placement.state === 'frozen') throw this.#frozen(shard);
    return this.#clientOf(placement);
  }

  /** Every logical shard, 0 .. shardCount - 1. */
  shards(): number[] {
    return Array.from({ length: this.#options.shardCount }, (_, shard) => shard);
  }

  /** The configured server names. */
  servers(): string[] {
    return [...this.#pools.keys()];
  }

  /** Where every shard lives by the current map: what the outbox relays must cover. */
  placements(): ShardPlacement[] {
    return this.shards().map((shard) => this.#placement(shard));
  }

  /** The map routing the next call. */
  get map(): ShardMap {
    return this.#watcher.current();
  }

  /**
   * Called after the map changed, before the next call routes by it: e.g. start the outbox relay of a
   * (server, schema) pair that `placements()` now names. Returns an unsubscribe.
   */
  onChange(listener: ShardMapListener): () => void {
    return this.#watcher.onChange(listener);
  }

  /** Re-reads the map now (the watcher also does on every notification and poll). */
  refresh(): Promise<void> {
    return this.#watcher.refresh();
  }

  /** Stops following the map, disconnects every client, then ends the pools. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher.close();
    const results = await Promise.allSettled(
      [...this.#clients.values()].map((client) => client.$disconnect()),
    );
    this.#clients.clear();
    await Promise.allSettled([...this.#pools.values()].map((pool) => pool.end()));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  #placement(shard: number): ShardPlacement {
    this.#checkShard(shard);
    const assignment = this.#watcher.current().assignments[shard]!;
    return {
      shard,
      schema: this.schemaOf(shard),
      server: assignment.server,
      state: assignment.state,
      connectionString: this.#options.servers[assignment.server]!,
    };
  }

  #clientOf(placement: ShardPlacement): Client {
    if (this.#closed)
      throw new Error('The sharded database is closed; no shard can be reached after close().');
    const key = `${placement.shard}@${placement.server}`;
    let client = this.#clients.get(key);
    if (client === undefined) {
      const { shard } = placement;
      client = this.#options.clientFor(this.#pools.get(placement.server)!, placement.schema, (error) =>
        this.#shardError(shard, error),
      );
      this.#clients.set(key, client);
    }
    return client;
  }

  #frozen(shard: number, cause?: unknown): AppError {
    this.#metrics.frozenWrites.inc({ shard: String(shard) });
    const seconds = this.#options.frozenRetryAfterSeconds ?? 2;
    return ShardingErrors.frozen(undefined, {
      headers: { 'retry-after': String(seconds) },
      extensions: { retryAfterSeconds: seconds },
      ...(cause === undefined ? {} : { cause }),
    });
  }

  // The write met the read-only copy of a shard being moved away: this replica routed by a map older than
  // the move's freeze or flip. The client sees what a frozen shard answers, and the map is read now rather
  // than at the next poll, so its retry goes where the shard is.
  #shardError(shard: number, error: unknown): unknown {
    if (!isShardReadOnlyError(error)) return error;
    void this.refresh().catch(() => undefined);
    return this.#frozen(shard, error);
  }

  #checkShard(shard: number): void {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.#options.shardCount) {
      throw new RangeError(
        `shard must be an integer from 0 to ${this.#options.shardCount - 1}, not ${shard}`,
      );
    }
  }
}
