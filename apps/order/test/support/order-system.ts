import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createMessageBroker, type MessageBroker } from '@shop/events';
import { eventProbe, type EventProbe } from '@shop/events/testing';
import type { Service } from '@shop/platform';
import { migrateShards, parseAssignments } from '@shop/sharding';
import {
  createTestDatabase,
  getKafka,
  getRedis,
  startPostgresServer,
  startTestAuth,
  uniqueKeyPrefix,
  type TestAuth,
} from '@shop/testing';
import pg from 'pg';
import supertest from 'supertest';
import { createOrderService } from '../../src/app.ts';
import { loadOrderConfig } from '../../src/config.ts';
import { SHARD_SCHEMA_PREFIX } from '../../src/plugins/shards.plugin.ts';
import { startProductService, type ProductService } from './product-service.ts';

export const appDir = path.resolve(import.meta.dirname, '../..');
export const SHARD_COUNT = 16;
const INITIAL_MAP = 'a:0-7,b:8-15';
const TOPIC_PARTITIONS = 3;

/** Where the 16 shards live in the tests: 0-7 on the shared test server, 8-15 on a server of their own. */
export interface ShardServersUnderTest {
  urls: { a: string; b: string };
  /** Runs SQL on the server that holds `shard`, with `$schema` replaced by its schema. */
  sql<Row extends pg.QueryResultRow>(shard: number, text: string, values?: unknown[]): Promise<Row[]>;
  /** Sums a count query over every shard (`$schema` replaced by each shard's schema). */
  countAll(text: string, values?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export const schemaOf = (shard: number) => `${SHARD_SCHEMA_PREFIX}${String(shard).padStart(2, '0')}`;

/**
 * Seeds the shard map in the first server (when empty) and migrates every shard where it puts them, as
 * `npm run db:migrate` does.
 */
export function migrateShardsOf(servers: Record<string, string>, initialMap?: string) {
  return migrateShards({
    servers,
    directoryUrl: Object.values(servers)[0]!,
    ...(initialMap === undefined ? {} : { initialAssignments: parseAssignments(initialMap, SHARD_COUNT) }),
    shardCount: SHARD_COUNT,
    schemaPrefix: SHARD_SCHEMA_PREFIX,
    migrationsDir: path.join(appDir, 'prisma', 'migrations'),
    logger: { info: () => undefined, warn: () => undefined },
  });
}

/** Two real PostgreSQL servers, every shard migrated on the one the map places it on. */
export async function startShardServers(): Promise<ShardServersUnderTest> {
  const first = await createTestDatabase('order-shards-a');
  const second = await startPostgresServer();
  const secondUrl = new URL(second.url);
  const admin = new pg.Client({ connectionString: second.url });
  await admin.connect();
  await admin.query('CREATE DATABASE order_shards_b');
  await admin.end();
  secondUrl.pathname = '/order_shards_b';
  const urls = { a: first.url, b: secondUrl.toString() };
  await migrateShardsOf(urls, INITIAL_MAP);
  const pools = {
    a: new pg.Pool({ connectionString: urls.a, max: 4 }),
    b: new pg.Pool({ connectionString: urls.b, max: 4 }),
  };
  for (const pool of Object.values(pools)) pool.on('error', () => undefined);
  const poolOf = (shard: number) => (shard < 8 ? pools.a : pools.b);
  const sql = async <Row extends pg.QueryResultRow>(shard: number, text: string, values?: unknown[]) =>
    (await poolOf(shard).query<Row>(text.replaceAll('$schema', `"${schemaOf(shard)}"`), values)).rows;
  return {
    urls,
    sql,
    async countAll(text, values) {
      let total = 0;
      for (let shard = 0; shard < SHARD_COUNT; shard += 1) {
        const [row] = await sql<{ count: string }>(shard, text, values);
        total += Number(row?.count ?? 0);
      }
      return total;
    },
    async close() {
      await Promise.all(Object.values(pools).map((pool) => pool.end()));
      await first.drop();
      await second.stop();
    },
  };
}

export interface OrderSystem extends EventProbe {
  order: Service;
  http: ReturnType<typeof supertest>;
  auth: TestAuth;
  product: ProductService;
  shards: ShardServersUnderTest;
  /** A client of the same Kafka, to play the payment service and to read what was published. */
  kafka: MessageBroker;
  /** The Kafka this system's services share: brokers, its own topic namespace and partitions per topic. */
  kafkaSettings: { brokers: string; namespace: string; partitions: number };
  /** A product's stock as the product service holds it. */
  stock(productId: string): Promise<{ available: number; reserved: number }>;
  /** Starts another order replica on the same shards and infrastructure. */
  startReplica(env?: Record<string, string>): Promise<Service>;
  close(): Promise<void>;
}

/**
 * The order service as it runs: shards on two PostgreSQL servers, carts in Redis, events through Kafka,
 * and a real product service (a child process on its own database) for prices and stock.
 */
export async function startOrderSystem(
  env: Record<string, string> = {},
  productEnv: Record<string, string> = {},
): Promise<OrderSystem> {
  const [{ brokers }, redis, auth, shards] = await Promise.all([
    getKafka(),
    getRedis(),
    startTestAuth(),
    startShardServers(),
  ]);
  // Every system of a test run shares one Kafka: its own namespace keeps its events and consumer groups
  // apart from the other test files' (which would otherwise take each other's events).
  const namespace = `test-${randomUUID().slice(0, 8)}`;
  const product = await startProductService({
    auth,
    kafkaBrokers: brokers.join(','),
    env: { KAFKA_NAMESPACE: namespace, ...productEnv },
  });
  const kafka = createMessageBroker({
    clientId: 'order-test',
    kafkaBrokers: brokers,
    topics: { numPartitions: TOPIC_PARTITIONS, replicationFactor: 1 },
    namespace,
  });
  const baseEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    ORDER_DATABASE_URL: shards.urls.a,
    ORDER_SHARD_SERVERS: `a=${shards.urls.a},b=${shards.urls.b}`,
    ORDER_SHARD_MAP_POLL_MS: '200',
    AUTH_JWKS_URL: auth.jwksUrl,
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience,
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PARTITIONS: String(TOPIC_PARTITIONS),
    KAFKA_NAMESPACE: namespace,
    REDIS_URL: redis.url,
    CART_KEY_PREFIX: uniqueKeyPrefix('cart'),
    ...product.orderEnv,
    ORDER_EXPIRY_SWEEP_INTERVAL_MS: '200',
    ...env,
  };
  const replicas: Service[] = [];
  const startReplica = async (overrides: Record<string, string> = {}) => {
    const replica = await createOrderService(loadOrderConfig({ ...baseEnv, ...overrides }));
    replicas.push(replica);
    await replica.ready();
    return replica;
  };
  const close = async () => {
    await Promise.allSettled(replicas.map((replica) => replica.close()));
    await kafka.close();
    await product.close();
    await auth.close();
    await shards.close();
  };
  try {
    const order = await startReplica();
    return {
      order,
      http: supertest(order.server),
      auth,
      product,
      shards,
      kafka,
      kafkaSettings: { brokers: brokers.join(','), namespace, partitions: TOPIC_PARTITIONS },
      startReplica,
      async stock(productId) {
        const res = await fetch(`${product.url}/internal/v1/inventory/stock/${productId}`, {
          headers: await auth.serviceBearer('order', 'product', ['inventory:read']),
        });
        if (!res.ok) throw new Error(`stock of ${productId}: ${res.status} ${await res.text()}`);
        const { available, reserved } = (await res.json()) as { available: number; reserved: number };
        return { available, reserved };
      },
      ...eventProbe(kafka),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
