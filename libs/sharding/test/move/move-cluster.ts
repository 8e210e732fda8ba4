import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '@shop/database';
import { startPostgresServer, type LocalPostgresServer } from '@shop/testing';
import pg from 'pg';
import {
  isShardReadOnlyError,
  readShardMap,
  seedShardMap,
  spreadAssignments,
  type ShardMap,
  type ShardMoveOptions,
} from '../../src/index.ts';

// Two real PostgreSQL servers holding 16 shard schemas (0-7 on a, 8-15 on b), the directory table on a,
// and a tiny router that writes orders the way a replica does: by the map, waiting out a frozen shard.

export const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'fixtures', 'move-fixture', 'migrations');
const SHARDS = 16;

export const schemaOf = (shard: number): string => `orders_s${String(shard).padStart(2, '0')}`;

export interface MoveCluster {
  readonly servers: { a: string; b: string };
  readonly options: ShardMoveOptions;
  readonly log: string[];
  query<Row extends pg.QueryResultRow>(server: 'a' | 'b', sql: string, values?: unknown[]): Promise<Row[]>;
  /** A router that follows the directory, as a replica does. */
  readonly router: TestRouter;
  stop(): Promise<void>;
}

export async function startMoveCluster(): Promise<MoveCluster> {
  const started: LocalPostgresServer[] = await Promise.all([startPostgresServer(), startPostgresServer()]);
  const [a, b] = started as [LocalPostgresServer, LocalPostgresServer];
  const servers = { a: a.url, b: b.url };
  const pools = {
    a: new pg.Pool({ connectionString: a.url, max: 8 }),
    b: new pg.Pool({ connectionString: b.url, max: 8 }),
  };
  // An idle pooled connection closed by its server reports it on the pool; the next query would say so.
  for (const pool of Object.values(pools)) pool.on('error', () => undefined);
  for (let shard = 0; shard < SHARDS; shard += 1) {
    await migrate({
      databaseUrl: shard < 8 ? a.url : b.url,
      migrationsDir: MIGRATIONS_DIR,
      schema: schemaOf(shard),
    });
  }
  await seedShardMap(pools.a, { shardCount: SHARDS, assignments: spreadAssignments(['a', 'b'], SHARDS) });
  const log: string[] = [];
  const query = async <Row extends pg.QueryResultRow>(server: 'a' | 'b', sql: string, values?: unknown[]) =>
    (await pools[server].query<Row>(sql, values)).rows;
  return {
    servers,
    log,
    options: {
      servers,
      directoryUrl: a.url,
      migrationsDir: MIGRATIONS_DIR,
      // A broken move fails the test within a minute instead of waiting out the default hour.
      timeoutMs: 60_000,
      log: (line) => log.push(line),
    },
    query,
    router: new TestRouter(pools.a, pools),
    stop: async () => {
      await Promise.all([pools.a.end(), pools.b.end()]);
      await Promise.all(started.map((server) => server.stop()));
    },
  };
}

export interface WriteOutcome {
  readonly id: string;
  /** How many attempts were refused (frozen map or read-only copy) before this write was acknowledged. */
  readonly refusals: number;
}

// Like a replica that has not yet heard the map's notification, the router keeps the map it read for a
// while and reads it again only when that is stale or a write was refused.
const MAP_MAX_AGE_MS = 50;

export class TestRouter {
  readonly #directory: pg.Pool;
  readonly #pools: Record<string, pg.Pool>;
  #map: { map: ShardMap; readAt: number } | undefined;

  constructor(directory: pg.Pool, pools: Record<string, pg.Pool>) {
    this.#directory = directory;
    this.#pools = pools;
  }

  /** Writes one order (order, two lines, an outbox row) to the shard, retrying while it refuses writes. */
  async placeOrder(shard: number, deadline: number): Promise<WriteOutcome> {
    const id = randomUUID();
    let refusals = 0;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`shard ${shard} refused writes until the writer's deadline`);
      const map = await this.#currentMap(refusals > 0);
      const assignment = map.assignments.find((entry) => entry.shard === shard);
      if (assignment === undefined) throw new Error(`map version ${map.version} has no shard ${shard}`);
      if (assignment.state === 'frozen') {
        refusals += 1;
        await sleep(10);
        continue;
      }
      try {
        await this.#insert(assignment.server, schemaOf(shard), id);
        return { id, refusals };
      } catch (error) {
        if (!isShardReadOnlyError(error)) throw error;
        refusals += 1;
        await sleep(10);
      }
    }
  }

  async #currentMap(refresh: boolean): Promise<ShardMap> {
    if (refresh || this.#map === undefined || Date.now() - this.#map.readAt > MAP_MAX_AGE_MS) {
      const map = await readShardMap(this.#directory, { shardCount: SHARDS });
      if (map === undefined) throw new Error('the directory holds no shard map');
      this.#map = { map, readAt: Date.now() };
    }
    return this.#map.map;
  }

  async #insert(server: string, schema: string, id: string): Promise<void> {
    const pool = this.#pools[server];
    if (pool === undefined) throw new Error(`no pool for server ${server}`);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${schema}.orders (id, customer_id, status, total_minor, currency, shipping_address)
         VALUES ($1, $2, 'PENDING_PAYMENT', 2598, 'EUR', '{"city":"Lyon"}')`,
        [id, randomUUID()],
      );
      await client.query(
        `INSERT INTO ${schema}.order_lines (order_id, line_no, product_id, quantity, unit_price_minor)
         VALUES ($1, 1, $2, 1, 999), ($1, 2, $3, 1, 1599)`,
        [id, randomUUID(), randomUUID()],
      );
      await client.query(
        `INSERT INTO ${schema}.outbox_events (id, type, payload) VALUES ($1, 'order.placed.v1', $2)`,
        [randomUUID(), JSON.stringify({ orderId: id })],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
