import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PrismaPg } from '@prisma/adapter-pg';
import { prismaGenerate } from '@shop/database';
import pg from 'pg';
import {
  logicalShardOf,
  migrateShards,
  newOrderId,
  ShardedDatabase,
  type ShardClient,
} from '../src/index.ts';
import { testLogger } from './support/test-logger.ts';
import { createTestServers } from './support/test-servers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'orders-app', 'prisma');
// Where the fixture's generator writes (an ignored .cache folder inside the package, so it resolves @prisma/client).
const GENERATED = join(import.meta.dirname, '..', '.cache', 'prisma-client', 'client.ts');

// The part of the fixture's generated client these tests use.
interface OrdersClient extends ShardClient {
  order: {
    create(args: { data: object }): Promise<{ id: string; status: string }>;
    findMany(args: {
      where: object;
      include?: object;
    }): Promise<{ id: string; status: string; lines: unknown[] }[]>;
  };
  $transaction<T>(
    work: (
      tx: OrdersClient & { $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> },
    ) => Promise<T>,
  ): Promise<T>;
  $queryRawUnsafe<T>(sql: string): Promise<T>;
}

const customerOn = (shard: number): string => {
  for (let i = 0; ; i++) if (logicalShardOf(`customer-${i}`) === shard) return `customer-${i}`;
};

describe('ShardedDatabase with the generated Prisma client', () => {
  let env: Awaited<ReturnType<typeof createTestServers>>;
  let shards: ShardedDatabase<OrdersClient>;

  before(async () => {
    await prismaGenerate({ schemaPath: join(FIXTURE, 'schema.prisma') });
    const { PrismaClient } = (await import(GENERATED)) as {
      PrismaClient: new (options: object) => OrdersClient;
    };
    env = await createTestServers(['a', 'b']);
    await migrateShards({
      servers: env.servers,
      directoryUrl: env.directoryUrl,
      shardCount: 16,
      schemaPrefix: 'orders_s',
      migrationsDir: join(FIXTURE, 'migrations'),
      logger: { info: () => undefined, warn: () => undefined },
    });
    shards = await ShardedDatabase.open<OrdersClient>({
      servers: env.servers,
      directoryUrl: env.directoryUrl,
      shardCount: 16,
      schemaPrefix: 'orders_s',
      poolSizePerServer: 2,
      clientFor: (pool, schema) => new PrismaClient({ adapter: new PrismaPg(pool, { schema }) }),
      logger: testLogger(),
      applicationName: 'sharding-prisma-test',
    });
  });
  after(async () => {
    await shards.close();
    await env.drop();
  });

  async function onServer<T extends pg.QueryResultRow>(server: string, sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: env.servers[server] });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it("when an order is written and read through its customer's shard, then it lands in that shard's schema on that shard's server", async () => {
    const customerId = customerOn(12);
    const shard = shards.shardOf(customerId);
    const id = newOrderId(shard);
    const created = await shards.forWrite(shard).order.create({
      data: {
        id,
        customerId,
        status: 'PAID',
        lines: { create: [{ line: 1, productId: newOrderId(0), quantity: 2 }] },
      },
    });
    assert.equal(created.status, 'PAID');

    const [read] = await shards
      .forRead(shard)
      .order.findMany({ where: { customerId, status: 'PAID' }, include: { lines: true } });
    assert.equal(read?.id, id);
    assert.equal(read?.lines.length, 1);
    assert.deepEqual(await onServer('b', `SELECT id::text, status::text FROM orders_s12.orders`), [
      { id, status: 'PAID' },
    ]);
    assert.deepEqual(
      await onServer('a', `SELECT nspname FROM pg_namespace WHERE nspname = 'orders_s12'`),
      [],
    );
  });

  it('when raw SQL runs in a Prisma transaction, then it must name the shard schema: unqualified names reach no shard', async () => {
    const shard = 3;
    const customerId = customerOn(shard);
    const id = newOrderId(shard);
    const schema = shards.schemaOf(shard);
    const client = shards.forWrite(shard);
    await client.$transaction(async (tx) => {
      await tx.order.create({ data: { id, customerId } });
      await tx.$executeRawUnsafe(`UPDATE "${schema}"."orders" SET status = 'PAID' WHERE id = $1::uuid`, id);
    });
    assert.deepEqual(await onServer('a', `SELECT status::text FROM orders_s03.orders WHERE id = '${id}'`), [
      { status: 'PAID' },
    ]);
    await assert.rejects(client.$queryRawUnsafe('SELECT count(*) FROM orders'), /orders.*does not exist/);
  });

  it('when many shards of one server are queried at once, then they share its one bounded pool', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        shards.forRead(i % 8).order.findMany({ where: { customerId: `nobody-${i}` } }),
      ),
    );
    const connections = await onServer<{ count: string }>(
      'a',
      `SELECT count(*)::text AS count FROM pg_stat_activity WHERE application_name = 'sharding-prisma-test a'`,
    );
    assert.ok(Number(connections[0]!.count) <= 2, `${connections[0]!.count} connections to a`);
    assert.ok(Number(connections[0]!.count) >= 1, 'the pool was used');
  });
});
