import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compareSchemasWithDatamodel } from '@shop/database';
import { createTestDatabase } from '@shop/testing';
import pg from 'pg';
import { migrateShards, parseAssignments, readShardMap, spreadAssignments } from '../src/index.ts';
import { createTestServers } from './support/test-servers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'orders-app', 'prisma');
const MIGRATIONS = join(FIXTURE, 'migrations');
const SCHEMA = join(FIXTURE, 'schema.prisma');
const shard = (n: number) => String(n).padStart(2, '0');

describe('migrateShards', () => {
  let env: Awaited<ReturnType<typeof createTestServers>>;
  const lines: string[] = [];
  const logger = {
    info: (line: string) => lines.push(line),
    warn: (line: string) => lines.push(`warning: ${line}`),
  };

  before(async () => {
    env = await createTestServers(['a', 'b']);
  });
  after(() => env.drop());

  async function schemasOn(server: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: env.servers[server] });
    await client.connect();
    try {
      const result = await client.query<{ name: string }>(
        `SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'orders_s%' ORDER BY 1`,
      );
      return result.rows.map((row) => row.name);
    } finally {
      await client.end();
    }
  }

  it('when the directory is empty, then it is seeded and every shard is migrated on the server the map puts it on, one line per shard', async () => {
    const results = await migrateShards({
      servers: env.servers,
      directoryUrl: env.directoryUrl,
      shardCount: 16,
      schemaPrefix: 'orders_s',
      migrationsDir: MIGRATIONS,
      logger,
    });

    assert.match(lines[0]!, /^seeded shard map version 1 \(a:0-7,b:8-15\) from postgres:/);
    assert.deepEqual(
      lines.slice(1).sort(),
      Array.from({ length: 16 }, (_, n) => `shard ${shard(n)} on ${n < 8 ? 'a' : 'b'}: 3 applied`),
    );
    assert.deepEqual(
      results.map((r) => [r.shard, r.schema, r.server, r.applied.length]),
      Array.from({ length: 16 }, (_, n) => [n, `orders_s${shard(n)}`, n < 8 ? 'a' : 'b', 3]),
    );
    assert.deepEqual(
      await schemasOn('a'),
      Array.from({ length: 8 }, (_, n) => `orders_s${shard(n)}`),
    );
    assert.deepEqual(
      await schemasOn('b'),
      Array.from({ length: 8 }, (_, n) => `orders_s${shard(n + 8)}`),
    );
  });

  it('when run again, then every shard reports up to date and the map is left alone', async () => {
    lines.length = 0;
    await migrateShards({
      servers: env.servers,
      directoryUrl: env.directoryUrl,
      initialAssignments: spreadAssignments(['b'], 16),
      shardCount: 16,
      schemaPrefix: 'orders_s',
      migrationsDir: MIGRATIONS,
      logger,
    });
    assert.match(lines[0]!, /^using shard map version 1 \(a:0-7,b:8-15\)/);
    assert.deepEqual(
      lines.slice(1).sort(),
      Array.from({ length: 16 }, (_, n) => `shard ${shard(n)} on ${n < 8 ? 'a' : 'b'}: up to date`),
    );
  });

  it('when every shard is compared with schema.prisma, then each equals it, and a drifted shard is named', async () => {
    const map = (await readShardMap(env.directory, { shardCount: 16 }))!;
    const schemas = map.assignments.map((a) => ({
      databaseUrl: env.servers[a.server]!,
      schema: `orders_s${shard(a.shard)}`,
    }));
    const results = await compareSchemasWithDatamodel({
      schemas,
      schemaPath: SCHEMA,
      createDatabase: createTestDatabase,
    });
    assert.equal(results.length, 16);
    for (const result of results) {
      assert.equal(result.report, '', result.schema);
      assert.ok(result.comparedObjects >= 10, `${result.schema}: compared ${result.comparedObjects} objects`);
    }

    const b = new pg.Client({ connectionString: env.servers['b'] });
    await b.connect();
    await b.query('ALTER TABLE orders_s09.orders ADD COLUMN note text');
    await b.end();
    const drifted = await compareSchemasWithDatamodel({
      schemas,
      schemaPath: SCHEMA,
      createDatabase: createTestDatabase,
    });
    assert.deepEqual(
      drifted
        .filter((result) => result.differences.length > 0)
        .map((result) => [result.schema, result.report.trim()]),
      [['orders_s09', '- column orders.note only in orders_s09: text NULL']],
    );
  });

  it('when given a map instead of a directory, then shards are placed by it', async () => {
    lines.length = 0;
    const map = { version: 1, shardCount: 2, assignments: spreadAssignments(['b'], 2) };
    await migrateShards({
      servers: env.servers,
      map,
      shardCount: 2,
      schemaPrefix: 'other_s',
      migrationsDir: MIGRATIONS,
      logger,
    });
    assert.deepEqual(lines, ['shard 00 on b: 3 applied', 'shard 01 on b: 3 applied']);
  });

  it('when a server cannot be reached, then the run fails naming the shard and the other servers still finish', async () => {
    lines.length = 0;
    const servers = { b: env.servers['b']!, down: 'postgres://postgres:postgres@127.0.0.1:1/none' };
    const map = { version: 1, shardCount: 4, assignments: parseAssignments('b:0-1,down:2-3', 4) };
    await assert.rejects(
      migrateShards({
        servers,
        map,
        shardCount: 4,
        schemaPrefix: 'third_s',
        migrationsDir: MIGRATIONS,
        logger,
      }),
      /^Error: shard 02 on down \(schema third_s02\): Cannot connect to/,
    );
    assert.deepEqual(lines.sort(), [
      'shard 00 on b: 3 applied',
      'shard 01 on b: 3 applied',
      'warning: shard 02 on down: failed',
    ]);
  });
});
