import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import { healthPlugin } from '@shop/platform';
import Fastify from 'fastify';
import { prismaPlugin } from '../../src/client/prisma.plugin.ts';
import { createPrismaClient, migrate } from '../../src/index.ts';
import {
  catalogMigrations,
  generatedClient,
  loadCatalogClient,
  type CatalogClient,
  type CatalogClientClass,
} from '../helpers/catalog-client.ts';
import { freshDatabase, query } from '../helpers/database.ts';

let PrismaClient: CatalogClientClass;

before(async () => {
  PrismaClient = await loadCatalogClient();
});

describe('createPrismaClient', () => {
  test('when prisma generate runs offline, then the Rust-free TypeScript client is written next to the schema', () => {
    assert.ok(existsSync(generatedClient));
  });

  test('when a client is built for a shard schema, then its writes land in that schema only and raw SQL sees the same tables', async (t) => {
    const databaseUrl = await freshDatabase(t, 'client-shards');
    const migrationsDir = catalogMigrations;
    await migrate({ databaseUrl, migrationsDir, schema: 'shard_07' });
    await migrate({ databaseUrl, migrationsDir, schema: 'shard_08' });
    const shard07 = createPrismaClient(PrismaClient, { databaseUrl, schema: 'shard_07', poolSize: 2 });
    const shard08 = createPrismaClient(PrismaClient, { databaseUrl, schema: 'shard_08', poolSize: 2 });
    t.after(() => Promise.all([shard07.$disconnect(), shard08.$disconnect()]));

    const customer = await shard07.customer.create({ data: { email: 'ada@example.com' } });
    const order = await shard07.order.create({
      data: {
        customerId: customer.id,
        totalMinor: 4_200,
        currency: 'EUR',
        tags: ['gift'],
        lines: { create: [{ sku: 'SKU-1', quantity: 2 }] },
      },
      include: { lines: true },
    });

    assert.equal(order.status, 'pending');
    assert.deepEqual(
      order.lines.map((line) => [line.sku, line.quantity]),
      [['SKU-1', 2]],
    );
    const stored = await query<{ id: string; total_minor: number; currency: string; email: string }>(
      databaseUrl,
      `SELECT o.id, o.total_minor, o.currency, c.email
         FROM shard_07.orders o JOIN shard_07.customers c ON c.id = o.customer_id`,
    );
    assert.deepEqual(stored, [
      { id: order.id, total_minor: 4_200, currency: 'EUR', email: 'ada@example.com' },
    ]);
    assert.equal(await shard08.customer.count(), 0);
    const [raw] = await shard07.$queryRawUnsafe<{ orders: number }[]>(
      'SELECT count(*)::int AS orders FROM orders',
    );
    assert.equal(raw?.orders, 1);
    const publicTables = await query(
      databaseUrl,
      "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'",
    );
    assert.equal(publicTables.length, 0);
  });
});

describe('prismaPlugin', () => {
  async function connectionsOf(databaseUrl: string, applicationName: string): Promise<number> {
    const [row] = await query<{ n: number }>(
      databaseUrl,
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [applicationName],
    );
    return row?.n ?? 0;
  }

  test('when registered, then app.prisma queries the database, /ready depends on it, and closing the app disconnects', async (t) => {
    const databaseUrl = await freshDatabase(t, 'prisma-plugin');
    await migrate({ databaseUrl, migrationsDir: catalogMigrations });
    const app = Fastify();
    t.after(() => app.close());
    await app.register(healthPlugin);
    await app.register(prismaPlugin(PrismaClient, 'plugin-test'), { databaseUrl, poolSize: 2 });
    await app.ready();

    const prisma = (app as unknown as { prisma: CatalogClient }).prisma;
    assert.equal(await prisma.customer.count(), 0);
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().checks.postgres, 'up');
    assert.ok((await connectionsOf(databaseUrl, 'plugin-test')) >= 1, 'the pool is open under its name');

    await app.close();

    // A backend leaves pg_stat_activity a moment after its client hung up.
    let open = await connectionsOf(databaseUrl, 'plugin-test');
    for (let i = 0; i < 50 && open > 0; i++) {
      await delay(100);
      open = await connectionsOf(databaseUrl, 'plugin-test');
    }
    assert.equal(open, 0, 'closing the app closed the pool');
  });

  test('when the database cannot be reached, then the service still starts but /ready answers 503 naming postgres', async (t) => {
    const app = Fastify();
    t.after(() => app.close());
    await app.register(healthPlugin);
    // Connections are opened lazily by the pool, so a database that is down at start-up (or later) shows
    // in readiness instead of crashing the process; it recovers on its own when the database returns.
    await app.register(prismaPlugin(PrismaClient, 'plugin-test'), {
      databaseUrl: 'postgresql://nobody:wrong@127.0.0.1:1/none',
      poolSize: 1,
      connectTimeoutMs: 500,
    });
    await app.ready();

    const ready = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.postgres, 'down');
  });
});
