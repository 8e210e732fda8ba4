import { databaseEnv } from '@shop/database';
import { kafkaEnv, kafkaEnvProblems } from '@shop/events';
import {
  ConfigError,
  DEV_INTERNAL_API_TOKEN,
  jwtVerifyEnv,
  jwtVerifyEnvProblems,
  loadConfig,
  platformEnv,
  requiredInProduction,
  Secret,
} from '@shop/platform';
import { Type, type Static } from 'typebox';

export const OrderEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3003 }),
  /**
   * The first shard server, and the only one when ORDER_SHARD_SERVERS is unset (the embedded start: all
   * 16 shards as schemas of one database). DATABASE_POOL_SIZE is the pool of each shard server.
   */
  ...databaseEnv('ORDER'),
  /**
   * The physical shard servers by name, `name=postgres://...` separated by commas, e.g.
   * `a=postgres://orders-a/shop_orders,b=postgres://orders-b/shop_orders`. The shard map (in the directory
   * database) says which logical shards live on which name; credentials stay here, never in the map.
   */
  ORDER_SHARD_SERVERS: Type.Optional(Type.String({ minLength: 1 })),
  /** Where the shard map lives; the first shard server when unset. */
  ORDER_SHARD_DIRECTORY_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /**
   * The map written when the directory is empty, e.g. `a:0-7,b:8-15`; all shards on the first server when
   * unset. Later changes go through `npm run shard:move`, never through this variable.
   */
  ORDER_SHARD_INITIAL_MAP: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Logical shards. Fixed for the life of a deployment: changing it re-homes every customer (a re-shard),
   * which this service does not do (see libs/sharding/README.md).
   */
  ORDER_SHARD_COUNT: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  /** How often every replica re-reads the shard map even without a notification. */
  ORDER_SHARD_MAP_POLL_MS: Type.Integer({ minimum: 100, default: 5_000 }),

  ...kafkaEnv,
  /** Off: this process writes events to the shards' outboxes and another one relays them. */
  OUTBOX_RELAY_ENABLED: Type.Boolean({ default: true }),
  /** Database of the stand-in bus, shared by every service of one run; defaults to the first shard server. */
  EVENT_BUS_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),

  /** How long stock stays held for an unpaid order (default 15 min); the order is cancelled after. */
  RESERVATION_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
  /** How often unpaid orders past their hold are looked for and cancelled. */
  ORDER_EXPIRY_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 50, default: 5_000 }),
  /** How long a checkout's Idempotency-Key is remembered (the draft and Stripe: 24 h). */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 24 }),

  /** Shared secret of the internal routes (product's, and this service's own for payment). */
  INTERNAL_API_TOKEN: Type.Optional(Secret(Type.String({ minLength: 32 }))),
});

export type OrderConfig = Static<typeof OrderEnvSchema> & { INTERNAL_API_TOKEN: string };

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Production must name its Kafka and internal token (the stand-ins cannot serve several replicas).
 */
export function loadOrderConfig(env?: Record<string, string | undefined>): OrderConfig {
  const config = loadConfig(OrderEnvSchema, env);
  const problems = [
    ...kafkaEnvProblems(config),
    ...jwtVerifyEnvProblems(config),
    ...requiredInProduction(config, {
      INTERNAL_API_TOKEN: {
        hint: 'at least 32 characters, the value the product service expects',
        refused: [DEV_INTERNAL_API_TOKEN],
      },
      KAFKA_BROKERS: 'host:port,...',
    }),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, INTERNAL_API_TOKEN: config.INTERNAL_API_TOKEN ?? DEV_INTERNAL_API_TOKEN };
}
