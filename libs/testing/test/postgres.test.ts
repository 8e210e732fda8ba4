import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, getPostgres, startPostgresServer } from '../src/index.ts';
import type { TestDatabase } from '../src/index.ts';

async function query<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL test server', () => {
  const created: TestDatabase[] = [];
  after(async () => {
    await Promise.all(created.map((db) => db.drop()));
  });

  it('when the server is requested, then it answers queries as a superuser', async () => {
    const { url } = await getPostgres();
    const [row] = await query<{ superuser: string; answer: number }>(
      url,
      "SELECT current_setting('is_superuser') AS superuser, 6 * 7 AS answer",
    );
    assert.deepEqual(row, { superuser: 'on', answer: 42 });
  });

  it('when the server is requested twice, then the same server is returned', async () => {
    const [first, second] = await Promise.all([getPostgres(), getPostgres()]);
    assert.equal(first.url, second.url);
  });

  it('when a test database is created, then its URL connects to that database by name', async () => {
    const db = await createTestDatabase('Orders & Shards');
    created.push(db);
    assert.match(db.name, /^test_orders_shards_[0-9a-f]{10}$/);
    const [row] = await query<{ name: string }>(db.url, 'SELECT current_database() AS name');
    assert.equal(row?.name, db.name);
  });

  it('when two test databases are created, then a table in one does not exist in the other', async () => {
    const [one, two] = await Promise.all([createTestDatabase('isolation'), createTestDatabase('isolation')]);
    created.push(one, two);
    assert.notEqual(one.name, two.name);
    await query(one.url, 'CREATE TABLE item (id int PRIMARY KEY)');
    await query(one.url, 'INSERT INTO item VALUES (1)');
    const [visible] = await query<{ exists: boolean }>(
      two.url,
      "SELECT to_regclass('item') IS NOT NULL AS exists",
    );
    assert.equal(visible?.exists, false);
  });

  it('when a test database is dropped with a connection still open, then it no longer exists', async () => {
    const db = await createTestDatabase('dropped');
    const open = new pg.Client({ connectionString: db.url });
    open.on('error', () => undefined);
    await open.connect();
    await db.drop();
    const { url } = await getPostgres();
    const rows = await query(url, `SELECT 1 FROM pg_database WHERE datname = '${db.name}'`);
    assert.equal(rows.length, 0);
    await open.end().catch(() => undefined);
  });
});

describe('a dedicated PostgreSQL server', () => {
  it('when one is started, then it is another server than the shared one, ready for logical replication', async () => {
    const [shared, own] = await Promise.all([
      getPostgres(),
      startPostgresServer({ settings: { max_connections: '42' } }),
    ]);
    try {
      assert.notEqual(own.url, shared.url);
      const [row] = await query<{ wal_level: string; max_connections: string }>(
        own.url,
        "SELECT current_setting('wal_level') AS wal_level, current_setting('max_connections') AS max_connections",
      );
      assert.deepEqual(row, { wal_level: 'logical', max_connections: '42' });
    } finally {
      await own.stop();
    }
  });

  it('when it is stopped, then it refuses connections', async () => {
    const own = await startPostgresServer();
    await query(own.url, 'SELECT 1');
    await own.stop();
    await assert.rejects(query(own.url, 'SELECT 1'), /ECONNREFUSED/);
  });
});
