import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppError } from '@shop/platform/errors';
import { eventually } from '@shop/testing';
import type pg from 'pg';
import { Registry } from 'prom-client';
import {
  nextShardMap,
  parseAssignments,
  publishShardMap,
  seedShardMap,
  SHARD_MAP_TABLE,
  SHARD_READ_ONLY_SQLSTATE,
  ShardedDatabase,
  ShardMapError,
  type ShardedDatabaseOptions,
  type ShardMap,
} from '../src/index.ts';
import { testLogger } from './support/test-logger.ts';
import { createTestServers, databaseOf } from './support/test-servers.ts';

/** What the tests route to: the shared pool a shard's client was built on, its schema and error mapping. */
interface FakeClient {
  pool: pg.Pool;
  schema: string;
  shardErrors: (error: unknown) => unknown;
  disconnected: boolean;
  $disconnect(): Promise<void>;
}

const fakeClient = (pool: pg.Pool, schema: string, shardErrors: (error: unknown) => unknown): FakeClient => ({
  pool,
  schema,
  shardErrors,
  disconnected: false,
  async $disconnect() {
    this.disconnected = true;
  },
});

describe('ShardedDatabase', () => {
  let env: Awaited<ReturnType<typeof createTestServers>>;
  const opened: ShardedDatabase<FakeClient>[] = [];

  before(async () => {
    env = await createTestServers(['a', 'b']);
    await seedShardMap(env.directory, { shardCount: 16, assignments: parseAssignments('a:0-7,b:8-15', 16) });
  });
  after(async () => {
    await Promise.all(opened.map((database) => database.close()));
    await env.drop();
  });

  async function open(
    options: Partial<ShardedDatabaseOptions<FakeClient>> = {},
  ): Promise<ShardedDatabase<FakeClient>> {
    const database = await ShardedDatabase.open<FakeClient>({
      servers: env.servers,
      directoryUrl: env.directoryUrl,
      shardCount: 16,
      schemaPrefix: 'orders_s',
      poolSizePerServer: 3,
      clientFor: fakeClient,
      logger: testLogger(),
      // Long enough that only a notification (or a reconnect's catch-up) can deliver a change in time.
      pollIntervalMs: 60 * 60_000,
      ...options,
    });
    opened.push(database);
    return database;
  }

  async function current(): Promise<ShardMap> {
    const result = await env.directory.query<{
      version: string;
      shard_count: number;
      assignments: ShardMap['assignments'];
    }>(`SELECT version, shard_count, assignments FROM ${SHARD_MAP_TABLE} ORDER BY version DESC LIMIT 1`);
    const row = result.rows[0]!;
    return { version: Number(row.version), shardCount: row.shard_count, assignments: row.assignments };
  }

  async function serverOf(client: FakeClient): Promise<string> {
    const result = await client.pool.query<{ db: string }>('SELECT current_database() AS db');
    return Object.entries(env.servers).find(([, url]) => databaseOf(url) === result.rows[0]!.db)![0];
  }

  it('when shards are used, then each routes to its server by the map, shards on one server share its one pool, and customers map to one shard', async () => {
    const database = await open();
    assert.equal(database.schemaOf(3), 'orders_s03');
    assert.equal(database.schemaOf(12), 'orders_s12');
    assert.deepEqual(
      database.shards(),
      Array.from({ length: 16 }, (_, i) => i),
    );
    assert.deepEqual(database.servers(), ['a', 'b']);
    assert.equal(await serverOf(database.forRead(3)), 'a');
    assert.equal(await serverOf(database.forWrite(12)), 'b');
    assert.equal(database.forRead(3).schema, 'orders_s03');
    assert.equal(database.forRead(0).pool, database.forRead(7).pool, 'shards on a share its pool');
    assert.notEqual(database.forRead(7).pool, database.forRead(8).pool);
    assert.equal(database.forRead(3), database.forWrite(3), 'one client per shard and server');
    assert.equal(database.shardOf('customer-42'), database.shardOf('customer-42'));
    assert.deepEqual(
      database
        .placements()
        .slice(7, 9)
        .map(({ shard, schema, server, state }) => ({ shard, schema, server, state })),
      [
        { shard: 7, schema: 'orders_s07', server: 'a', state: 'active' },
        { shard: 8, schema: 'orders_s08', server: 'b', state: 'active' },
      ],
    );
    assert.equal(database.placements()[8]!.connectionString, env.servers['b']);
    assert.throws(() => database.forRead(16), RangeError);
  });

  it('when another replica publishes a new map, then this one routes by it for the next call, without a restart, and tells its listeners', async () => {
    const [publisher, follower] = [await open(), await open()];
    const changes: [number, number][] = [];
    follower.onChange((map, previous) => changes.push([previous.version, map.version]));
    const before = follower.map.version;
    assert.equal(await serverOf(follower.forRead(5)), 'a');

    await publishShardMap(
      env.directory,
      nextShardMap(publisher.map, [{ shard: 5, server: 'b' }]),
      'move 5 to b',
      {
        servers: publisher.servers(),
      },
    );

    await eventually('the follower to route shard 5 to b', () => follower.map.version === before + 1);
    assert.equal(await serverOf(follower.forRead(5)), 'b');
    assert.equal(follower.placements()[5]!.server, 'b');
    assert.equal(await serverOf(follower.forRead(4)), 'a', 'the other shards stay');
    assert.deepEqual(changes, [[before, before + 1]]);
    await eventually('the publisher replica to follow too', () => publisher.map.version === before + 1);
  });

  it('when its LISTEN connection is killed, then a replica still follows the next change (it catches up on reconnect)', async () => {
    const follower = await open();
    const before = follower.map.version;
    const killed = await env.directory.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'listen shard_map'`,
    );
    assert.ok(killed.rowCount! >= 1, 'a LISTEN connection was killed');

    await publishShardMap(
      env.directory,
      nextShardMap(await current(), [{ shard: 6, server: 'b' }]),
      'move 6 to b',
    );

    await eventually('the follower to route shard 6 to b', () => follower.map.version === before + 1);
    assert.equal(await serverOf(follower.forRead(6)), 'b');
  });

  it('when a change arrives without a notification, then the poll picks it up', async () => {
    const follower = await open({ pollIntervalMs: 100 });
    const notified = await open();
    const next = nextShardMap(await current(), [{ shard: 7, server: 'b' }]);
    // A publisher that lost its notify: the row alone, as a dropped connection after COMMIT leaves it.
    await env.directory.query(
      `INSERT INTO ${SHARD_MAP_TABLE} (version, shard_count, assignments) VALUES ($1, 16, $2)`,
      [next.version, JSON.stringify(next.assignments)],
    );

    await eventually(
      'the polling follower to route shard 7 to b',
      () => follower.map.version === next.version,
    );
    assert.equal(await serverOf(follower.forRead(7)), 'b');
    assert.equal(notified.map.version, next.version - 1, 'without the poll, nothing would have told it');
  });

  it('when a shard is frozen, then its writes answer 503 with Retry-After, its reads and every other shard keep serving', async () => {
    const registry = new Registry();
    const database = await open({ frozenRetryAfterSeconds: 3, registry });
    await publishShardMap(
      env.directory,
      nextShardMap(await current(), [{ shard: 9, state: 'frozen' }]),
      'freeze 9',
    );
    await database.refresh();

    assert.throws(
      () => database.forWrite(9),
      (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.status, 503);
        assert.equal(error.code, 'SHARD_ERR_FROZEN');
        assert.equal(error.headers['retry-after'], '3');
        return true;
      },
    );
    assert.equal(await serverOf(database.forRead(9)), 'b');
    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((metric) => metric.name === name)?.values;
    assert.deepEqual(
      value('sharding_map_version')?.map((v) => v.value),
      [database.map.version],
    );
    assert.deepEqual(
      value('sharding_frozen_writes_total')?.map((v) => [v.labels['shard'], v.value]),
      [['9', 1]],
    );
    for (const shard of database.shards().filter((s) => s !== 9)) assert.ok(database.forWrite(shard));

    await publishShardMap(
      env.directory,
      nextShardMap(await current(), [{ shard: 9, state: 'active' }]),
      'unfreeze 9',
    );
    await database.refresh();
    assert.ok(database.forWrite(9));
  });

  it('when a newer map is invalid, then the replica keeps routing by the last valid one and logs it, and follows the corrected version', async () => {
    const logger = testLogger();
    const database = await open({ logger });
    const valid = await current();
    await env.directory.query(
      `INSERT INTO ${SHARD_MAP_TABLE} (version, shard_count, assignments) VALUES ($1, 16, '[]')`,
      [valid.version + 1],
    );
    await database.refresh();
    assert.equal(database.map.version, valid.version);
    assert.ok(
      logger.entries.some(
        (entry) => entry.level === 'error' && /newest shard map is invalid/.test(entry.message ?? ''),
      ),
      'the invalid map is logged as an error',
    );

    const corrected = { ...nextShardMap(valid, [{ shard: 10, server: 'a' }]), version: valid.version + 2 };
    await publishShardMap(env.directory, corrected, 'corrected');
    await eventually(
      'the replica to follow the corrected map',
      () => database.map.version === corrected.version,
    );
    assert.equal(await serverOf(database.forRead(10)), 'a');
  });

  it('when a write meets the read-only copy a move left (SQLSTATE SM001), then it answers like a frozen shard and the map is re-read at once', async () => {
    const database = await open({ frozenRetryAfterSeconds: 4 });
    await database.refresh(); // the catch-up read on connect is over before the row below is written
    const client = database.forWrite(11);
    const next = nextShardMap(await current(), [{ shard: 11, server: 'a' }]);
    // The flip's row without its notification, and no poll within the test: only the refusal can tell.
    await env.directory.query(
      `INSERT INTO ${SHARD_MAP_TABLE} (version, shard_count, assignments) VALUES ($1, 16, $2)`,
      [next.version, JSON.stringify(next.assignments)],
    );
    const refused = await client.pool
      .query(
        `DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '${SHARD_READ_ONLY_SQLSTATE}', MESSAGE = 'shard 11 moved; retry'; END $$`,
      )
      .then(
        () => assert.fail('the statement raises'),
        (error: unknown) => error,
      );

    const translated = client.shardErrors(refused);

    assert.ok(translated instanceof AppError, String(translated));
    assert.equal(translated.status, 503);
    assert.equal(translated.code, 'SHARD_ERR_FROZEN');
    assert.equal(translated.headers['retry-after'], '4');
    assert.equal(translated.cause, refused);
    await eventually('the map re-read', () => database.map.version === next.version);
    assert.equal(await serverOf(database.forWrite(11)), 'a', 'the retry goes where the shard is now');
    const other = new Error('duplicate key');
    assert.equal(client.shardErrors(other), other, 'every other error is left to the database mapping');
  });

  it('when the configured shard count or servers do not fit the map, then the replica refuses to start naming the mismatch', async () => {
    await assert.rejects(open({ shardCount: 8 }), (error: Error) => {
      assert.ok(error instanceof ShardMapError);
      assert.match(error.message, /has 16 shards but this deployment is configured for 8/);
      return true;
    });
    await assert.rejects(
      open({ servers: { a: env.servers['a']! } }),
      /on server "b", which this replica has no URL for \(configured: a\)/,
    );
  });

  it('when the directory holds no map, then the replica refuses to start and says to run the migrations', async () => {
    const empty = await createTestServers([]);
    try {
      await empty.directory.query(
        `CREATE SCHEMA shard_directory; CREATE TABLE ${SHARD_MAP_TABLE} (version bigint PRIMARY KEY, shard_count integer NOT NULL, assignments jsonb NOT NULL)`,
      );
      await assert.rejects(
        open({ directoryUrl: empty.directoryUrl }),
        /holds no shard map yet: run npm run db:migrate/,
      );
    } finally {
      await empty.drop();
    }
  });

  it('when closed, then every client is disconnected and the pools are ended', async () => {
    const database = await ShardedDatabase.open<FakeClient>({
      servers: env.servers,
      directoryUrl: env.directoryUrl,
      shardCount: 16,
      schemaPrefix: 'orders_s',
      poolSizePerServer: 2,
      clientFor: fakeClient,
      logger: testLogger(),
    });
    const clients = [database.forRead(0), database.forRead(15)];
    await database.close();
    assert.deepEqual(
      clients.map((client) => [client.disconnected, client.pool.ended]),
      [
        [true, true],
        [true, true],
      ],
    );
    assert.throws(() => database.forRead(0), /closed/);
  });

  it('when a Prisma adapter is built on a shared pool and disposed, then the pool stays open for the other shards', async () => {
    const database = await open();
    const pool = database.forRead(0).pool;
    const adapter = await new PrismaPg(pool, { schema: 'orders_s00' }).connect();
    assert.equal(adapter.getConnectionInfo?.().schemaName, 'orders_s00');
    await adapter.dispose();
    assert.equal(pool.ended, false);
    assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
  });
});
