import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, eventually, type TestDatabase } from '@shop/testing';
import { Registry } from 'prom-client';
import { createPrismaClient } from '../../src/index.ts';
import { loadCatalogClient, type CatalogClientClass } from '../helpers/catalog-client.ts';

let PrismaClient: CatalogClientClass;
let db: TestDatabase;

before(async () => {
  PrismaClient = await loadCatalogClient();
  db = await createTestDatabase('pool_metrics');
});
after(() => db.drop());

async function gauges(registry: Registry): Promise<Record<string, number>> {
  const values: Record<string, number> = {};
  for (const name of ['db_pool_connections', 'db_pool_waiting_clients', 'db_pool_max_connections']) {
    for (const value of (await registry.getSingleMetric(name)!.get()).values) {
      const state = value.labels['state'];
      values[`${name}{pool=${value.labels['pool']}${state === undefined ? '' : `,state=${state}`}}`] =
        value.value;
    }
  }
  return values;
}

describe('database pool metrics', () => {
  test('when a one-connection pool is held by a transaction and another query waits, then the gauges show it busy with one waiting, and idle after', async () => {
    const registry = new Registry();
    const client = createPrismaClient(PrismaClient, {
      databaseUrl: db.url,
      poolSize: 1,
      applicationName: 'pool-test',
      registry,
    });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // Prisma's default 5 s transaction timeout would end the hold on a slow machine.
      const transaction = client.$transaction(
        async (tx) => {
          await tx.$queryRawUnsafe('SELECT 1');
          await held;
        },
        { timeout: 60_000 },
      );
      await eventually('the transaction to hold the connection', async () =>
        assert.equal((await gauges(registry))['db_pool_connections{pool=pool-test,state=busy}'], 1),
      );
      // A Prisma query runs only once awaited or then'd: Promise.resolve starts it.
      const waiting = Promise.resolve(client.$queryRawUnsafe('SELECT 2'));
      await eventually('the second query to wait', async () =>
        assert.deepEqual(await gauges(registry), {
          'db_pool_connections{pool=pool-test,state=idle}': 0,
          'db_pool_connections{pool=pool-test,state=busy}': 1,
          'db_pool_waiting_clients{pool=pool-test}': 1,
          'db_pool_max_connections{pool=pool-test}': 1,
        }),
      );
      release();
      await Promise.all([transaction, waiting]);
      await eventually('the connection to return to the pool', async () =>
        assert.deepEqual(await gauges(registry), {
          'db_pool_connections{pool=pool-test,state=idle}': 1,
          'db_pool_connections{pool=pool-test,state=busy}': 0,
          'db_pool_waiting_clients{pool=pool-test}': 0,
          'db_pool_max_connections{pool=pool-test}': 1,
        }),
      );
    } finally {
      await client.$disconnect();
    }
  });
});
