import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError } from '@shop/platform/errors';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import pg from 'pg';
import {
  decodeCursor,
  encodeCursor,
  migrateShards,
  newestFirst,
  newOrderId,
  scatterGather,
  spreadAssignments,
  type ListingKey,
} from '../src/index.ts';

const SHARDS = Array.from({ length: 16 }, (_, shard) => shard);
const MIGRATIONS = join(import.meta.dirname, 'fixtures', 'orders-app', 'prisma', 'migrations');
const schemaOf = (shard: number) => `orders_s${String(shard).padStart(2, '0')}`;
// 40 distinct instants for 400 rows: many ties on created_at, so the id decides the order there.
const BASE = Date.parse('2026-11-27T00:00:00.000Z');
const instant = () => new Date(BASE + randomInt(40) * 1000);

describe('scatterGather over 16 shards in PostgreSQL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    database = await createTestDatabase('scatter_gather');
    await migrateShards({
      servers: { a: database.url },
      map: { version: 1, shardCount: 16, assignments: spreadAssignments(['a'], 16) },
      shardCount: 16,
      schemaPrefix: 'orders_s',
      migrationsDir: MIGRATIONS,
      logger: { info: () => undefined, warn: () => undefined },
    });
    pool = new pg.Pool({ connectionString: database.url, max: 20 });
  });
  after(async () => {
    await pool.end();
    await database.drop();
  });

  async function insert(shard: number, createdAt: Date): Promise<ListingKey> {
    const id = newOrderId(shard, createdAt.getTime());
    await pool.query(
      `INSERT INTO ${schemaOf(shard)}.orders (id, customer_id, created_at) VALUES ($1, 'c', $2)`,
      [id, createdAt],
    );
    return { id, createdAt };
  }

  // What a repository's listing query looks like: a keyset on (created_at, id), newest first.
  async function fetch(shard: number, after: ListingKey | undefined, limit: number): Promise<ListingKey[]> {
    const where = after === undefined ? '' : 'WHERE (created_at, id) < ($2, $3::uuid)';
    const result = await pool.query<{ id: string; created_at: Date }>(
      `SELECT id::text, created_at FROM ${schemaOf(shard)}.orders ${where} ORDER BY created_at DESC, id DESC LIMIT $1`,
      after === undefined ? [limit] : [limit, after.createdAt, after.id],
    );
    return result.rows.map((row) => ({ id: row.id, createdAt: row.created_at }));
  }

  it('when a listing is paged while orders are inserted, then every order present is listed exactly once, newest first', async () => {
    const expected: ListingKey[] = [];
    for (let i = 0; i < 400; i++) expected.push(await insert(randomInt(16), instant()));

    const listed: ListingKey[] = [];
    let cursor: string | undefined;
    let inserting = true;
    let insertedMeanwhile = 0;
    let inserter: Promise<void> | undefined;
    for (let page = 0; ; page++) {
      const result = await scatterGather({ shards: SHARDS, concurrency: 4, pageSize: 17, cursor, fetch });
      listed.push(...result.rows);
      if (result.nextCursor === undefined) break;
      cursor = result.nextCursor;
      // New orders (now, newer than any cursor) arrive all along; they belong to the next listing, not this one.
      inserter ??= (async () => {
        while (inserting) {
          await insert(randomInt(16), new Date());
          insertedMeanwhile += 1;
        }
      })();
      // A row older than the cursor, committed between pages, still lies ahead of the cursor: listed once.
      if (page % 3 === 0) {
        const last = decodeCursor(cursor).createdAt.getTime();
        if (last > BASE) expected.push(await insert(randomInt(16), new Date(BASE + randomInt(last - BASE))));
      }
    }
    inserting = false;
    await inserter;

    assert.ok(insertedMeanwhile > 0, 'orders were inserted while paging');
    assert.equal(new Set(listed.map((row) => row.id)).size, listed.length, 'no order twice');
    assert.deepEqual(
      listed.map((row) => row.id),
      [...expected].sort(newestFirst).map((row) => row.id),
      'every order once, in (createdAt desc, id desc) order',
    );
  });

  it('when shards are queried, then no more than the concurrency limit are in flight at once', async () => {
    let inFlight = 0;
    let most = 0;
    await scatterGather({
      shards: SHARDS,
      concurrency: 3,
      pageSize: 5,
      fetch: async (shard, after, limit) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          await pool.query('SELECT pg_sleep(0.02)');
          return await fetch(shard, after, limit);
        } finally {
          inFlight -= 1;
        }
      },
    });
    assert.equal(most, 3);
  });

  it('when a shard cannot be reached, then the listing answers 503 naming the shard, with Retry-After, instead of a short page', async () => {
    const down = new pg.Pool({
      connectionString: 'postgres://postgres:postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 2_000,
    });
    down.on('error', () => undefined);
    try {
      await assert.rejects(
        scatterGather({
          shards: SHARDS,
          concurrency: 4,
          pageSize: 10,
          fetch: async (shard, after, limit) =>
            shard === 5 ? (await down.query('SELECT 1'), []) : fetch(shard, after, limit),
        }),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.status, 503);
          assert.equal(error.code, 'SHARD_ERR_UNAVAILABLE');
          assert.equal(error.headers['retry-after'], '5');
          assert.deepEqual(error.extensions['shards'], [5]);
          assert.match(error.message, /^Shard 5 did not answer/);
          return true;
        },
      );
    } finally {
      await down.end();
    }
  });
});

describe('scatterGather cursors', () => {
  it('when a page is the last, then it has no next cursor; an empty listing is one empty page', async () => {
    const rows = [{ createdAt: new Date(BASE), id: newOrderId(1, BASE) }];
    assert.deepEqual(
      await scatterGather({
        shards: [0, 1],
        concurrency: 2,
        pageSize: 1,
        fetch: async (s) => (s === 1 ? rows : []),
      }),
      {
        rows,
        nextCursor: undefined,
      },
    );
    assert.deepEqual(
      await scatterGather({ shards: [0], concurrency: 1, pageSize: 5, fetch: async () => [] }),
      {
        rows: [],
        nextCursor: undefined,
      },
    );
  });

  it('when a cursor was not issued by a listing, then it is a 400 saying to start over', () => {
    const valid = encodeCursor({ createdAt: new Date(BASE), id: newOrderId(3, BASE) });
    assert.deepEqual(decodeCursor(valid).createdAt, new Date(BASE));
    const forged = [
      'not base64 json',
      Buffer.from('{"t":"yesterday","id":"x"}').toString('base64url'),
      Buffer.from(
        JSON.stringify({ t: new Date(BASE).toISOString(), id: "'; DROP TABLE orders; --" }),
      ).toString('base64url'),
    ];
    for (const cursor of forged) {
      assert.throws(
        () => decodeCursor(cursor),
        (error: unknown) =>
          error instanceof AppError && error.status === 400 && error.code === 'SHARD_ERR_INVALID_CURSOR',
      );
    }
  });
});
