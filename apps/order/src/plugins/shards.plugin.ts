import { PrismaPg } from '@prisma/adapter-pg';
import { withDatabaseErrors } from '@shop/database/fastify';
import { OutboxRelay } from '@shop/events';
import { parseShardServers, ShardedDatabase, type ShardPlacement, type ShardServers } from '@shop/sharding';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { OrderConfig } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    shardedDatabase: ShardedDatabase<PrismaClient>;
  }
}

export const SHARD_SCHEMA_PREFIX = 'orders_s';
/** The server name of the single-server setup (ORDER_SHARD_SERVERS unset), as npm start names it too. */
export const SINGLE_SERVER = 'a';

/** The shard servers by name: ORDER_SHARD_SERVERS, or the one database of ORDER_DATABASE_URL. */
export function shardServersFrom(config: OrderConfig): ShardServers {
  return config.ORDER_SHARD_SERVERS === undefined
    ? { [SINGLE_SERVER]: config.ORDER_DATABASE_URL }
    : parseShardServers(config.ORDER_SHARD_SERVERS, 'ORDER_SHARD_SERVERS');
}

export interface ShardsPluginOptions {
  config: OrderConfig;
  servers: ShardServers;
  /** Relay every shard's outbox from this process (OUTBOX_RELAY_ENABLED). */
  relay: boolean;
}

const placementKey = (placement: ShardPlacement) => `${placement.shard}@${placement.server}`;

/**
 * The order database: the shard map followed live, a bounded pool per server shared by its shards, a
 * Prisma client per shard on it (with the platform's database error mapping, and a write refused by the
 * old copy of a moved shard answered 503 + Retry-After like a frozen shard), and one outbox relay per
 * shard, moved with the shard when the map moves it. `/ready` depends on every server answering.
 */
export const shardsPlugin = fp(
  async (app: FastifyInstance, { config, servers, relay }: ShardsPluginOptions) => {
    const database = await ShardedDatabase.open<PrismaClient>({
      servers,
      directoryUrl: config.ORDER_SHARD_DIRECTORY_URL ?? Object.values(servers)[0]!,
      shardCount: config.ORDER_SHARD_COUNT,
      schemaPrefix: SHARD_SCHEMA_PREFIX,
      poolSizePerServer: config.DATABASE_POOL_SIZE,
      connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      applicationName: 'order',
      pollIntervalMs: config.ORDER_SHARD_MAP_POLL_MS,
      clientFor: (pool, schema, shardErrors) =>
        withDatabaseErrors(new PrismaClient({ adapter: new PrismaPg(pool, { schema }) }), {
          translate: shardErrors,
        }),
      logger: app.log,
      registry: app.metrics,
    });
    app.decorate('shardedDatabase', database);

    const relays = new Map<string, OutboxRelay>();
    const followPlacements = async () => {
      const wanted = new Map(database.placements().map((placement) => [placementKey(placement), placement]));
      const stale = [...relays.keys()].filter((key) => !wanted.has(key));
      await Promise.all(
        stale.map(async (key) => {
          await relays.get(key)!.stop();
          relays.delete(key);
        }),
      );
      for (const [key, placement] of wanted) {
        if (relays.has(key)) continue;
        const outboxRelay = new OutboxRelay({
          connectionString: placement.connectionString,
          schema: placement.schema,
          name: `order ${placement.schema}`,
          broker: app.broker,
          logger: app.log,
          registry: app.metrics,
        });
        relays.set(key, outboxRelay);
        await outboxRelay.start();
      }
    };
    let following = Promise.resolve();
    let unsubscribe = () => undefined as void;
    if (relay) {
      await followPlacements();
      // Serialised: two quick map changes must not start the same relay twice.
      unsubscribe = database.onChange(() => {
        following = following
          .then(followPlacements)
          .catch((err: unknown) =>
            app.log.error({ err }, 'moving the outbox relays to the new shard map failed'),
          );
      });
    }

    app.readiness.addCheck('postgres shards', async () => {
      const byServer = new Map(database.placements().map((placement) => [placement.server, placement.shard]));
      await Promise.all([...byServer.values()].map((shard) => database.forRead(shard).$queryRaw`SELECT 1`));
    });
    app.addHook('onClose', async () => {
      unsubscribe();
      await following;
      await Promise.all([...relays.values()].map((outboxRelay) => outboxRelay.stop()));
      await database.close();
    });
  },
  { name: 'order-shards', dependencies: ['events', 'platform-health', 'platform-metrics'] },
);
