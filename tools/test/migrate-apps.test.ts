import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import pg from 'pg';
import { migrateApps } from '../dev/migrate-apps.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', 'libs', 'sharding', 'test', 'fixtures', 'orders-app');

// A workspace with a plain app (ledger) and a sharded one (orders), both with the fixture's two migrations.
async function workspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'migrate-apps-'));
  for (const [name, shop] of Object.entries({
    ledger: { port: 3101, database: { variable: 'LEDGER_DATABASE_URL', name: 'ledger' } },
    orders: {
      port: 3102,
      sharded: {
        servers: 'ORDERS_SHARD_SERVERS',
        directory: 'ORDERS_SHARD_DIRECTORY_URL',
        count: 4,
        schemaPrefix: 'orders_s',
        initialAssignment: 'ORDERS_SHARD_INITIAL_ASSIGNMENT',
      },
    },
  })) {
    await cp(join(FIXTURE, 'prisma'), join(root, 'apps', name, 'prisma'), { recursive: true });
    await writeFile(
      join(root, 'apps', name, 'package.json'),
      JSON.stringify({ name: `@shop/${name}`, shop }),
    );
  }
  return root;
}

async function schemas(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>(
      `SELECT n.nspname AS name FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
        WHERE c.relname = 'orders' ORDER BY 1`,
    );
    return result.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe('npm run db:migrate', () => {
  let root: string;
  const databases: Record<string, TestDatabase> = {};

  before(async () => {
    root = await workspace();
    for (const name of ['ledger', 'a', 'b', 'directory'])
      databases[name] = await createTestDatabase(`migrate_apps_${name}`);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
    await Promise.all(Object.values(databases).map((database) => database.drop()));
  });

  it('when an app is sharded, then every shard is migrated on its server and reported, beside the plain apps', async () => {
    const lines: string[] = [];
    const env = {
      LEDGER_DATABASE_URL: databases['ledger']!.url,
      ORDERS_SHARD_SERVERS: `a=${databases['a']!.url}, b=${databases['b']!.url}`,
      ORDERS_SHARD_DIRECTORY_URL: databases['directory']!.url,
      ORDERS_SHARD_INITIAL_ASSIGNMENT: 'a:0,b:1-3',
    };
    await migrateApps({ root, requested: [], env, log: (line) => lines.push(line) });

    assert.ok(lines.includes('ledger: 3 applied, 0 already applied (schema public).'), lines.join('\n'));
    for (const line of [
      '  shard 00 on a: 3 applied',
      '  shard 01 on b: 3 applied',
      '  shard 03 on b: 3 applied',
    ]) {
      assert.ok(lines.includes(line), `${line} in:\n${lines.join('\n')}`);
    }
    assert.ok(lines.includes('orders: 4 shards migrated, 12 migration(s) applied in all.'), lines.join('\n'));
    assert.deepEqual(await schemas(databases['a']!.url), ['orders_s00']);
    assert.deepEqual(await schemas(databases['b']!.url), ['orders_s01', 'orders_s02', 'orders_s03']);

    lines.length = 0;
    await migrateApps({ root, requested: ['orders'], env, log: (line) => lines.push(line) });
    assert.ok(lines.includes('  shard 02 on b: up to date'), lines.join('\n'));
    assert.ok(lines.includes('orders: 4 shards migrated, 0 migration(s) applied in all.'), lines.join('\n'));
  });

  it('when a sharded app has no servers or directory configured, then nothing is migrated and the variables are named', async () => {
    await assert.rejects(
      migrateApps({
        root,
        requested: [],
        env: { DATABASE_URL: databases['ledger']!.url },
        log: () => undefined,
      }),
      /orders is sharded: set ORDERS_SHARD_SERVERS and ORDERS_SHARD_DIRECTORY_URL \(ORDERS_SHARD_SERVERS=a=postgres:/,
    );
  });

  it('when the server list is malformed, then the run stops naming the variable', async () => {
    const env = {
      ORDERS_SHARD_SERVERS: 'a=postgres://h',
      ORDERS_SHARD_DIRECTORY_URL: databases['directory']!.url,
    };
    await assert.rejects(
      migrateApps({ root, requested: ['orders'], env, log: () => undefined }),
      /ORDERS_SHARD_SERVERS server "a" \(postgres:\/\/h\) names no host or no database/,
    );
  });

  it('when the sharded block is malformed, then nothing is migrated and the file and field are named', async () => {
    const broken = await workspace();
    try {
      const manifest = join(broken, 'apps', 'orders', 'package.json');
      await writeFile(
        manifest,
        JSON.stringify({
          name: '@shop/orders',
          shop: { port: 3102, sharded: { servers: 'X', directory: 'Y', count: 0, schemaPrefix: 'o_s' } },
        }),
      );
      await assert.rejects(
        migrateApps({ root: broken, requested: [], env: {}, log: () => undefined }),
        /apps\/orders\/package\.json: the "shop" block is invalid: \/sharded\/count/,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
