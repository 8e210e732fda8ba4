import { redisEnv } from '@shop/cache';
import { databaseEnv } from '@shop/database';
import { kafkaEnv, kafkaEnvProblems } from '@shop/events';
import {
  ConfigError,
  jwtVerifyEnv,
  jwtVerifyEnvProblems,
  loadConfig,
  platformEnv,
  requiredInProduction,
  serviceClientEnv,
  serviceClientEnvProblems,
} from '@shop/platform';
import { Type, type Static } from 'typebox';

export const OrderEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  /** The order service's OAuth client: its service tokens for the product service come from auth. */
  ...serviceClientEnv('order'),
  /** The API's port; the operational listener (metrics, the full OpenAPI document) is OPS_PORT. */
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
   * Logical shards. Fixed for the life of a deployment: changing it re-homes every customer (a re-shard),
   * which this service does not do (see libs/sharding/README.md).
   */
  ORDER_SHARD_COUNT: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  /** How often every replica re-reads the shard map even without a notification. */
  ORDER_SHARD_MAP_POLL_MS: Type.Integer({ minimum: 100, default: 5_000 }),

  /** Where carts live. Unset (both): carts in this process, for the embedded start only. */
  ...redisEnv,
  /** Prefix of every cart key in Redis, so environments (or test files) can share one Redis. */
  CART_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9:_-]*$', default: 'cart:' }),
  /** Origin of the product service. Required in production; elsewhere the embedded start's http://127.0.0.1:3002. */
  PRODUCT_SERVICE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Per attempt of a call to the product service; a cart read or a checkout fails with 503 past it. */
  PRODUCT_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2_000 }),

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
});

export type OrderConfig = Static<typeof OrderEnvSchema> & { PRODUCT_SERVICE_URL: string };

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Production must name its Redis (in-process carts are lost on restart and differ per replica), Kafka,
 * the product service and its client secret at the auth service.
 */
export function loadOrderConfig(env?: Record<string, string | undefined>): OrderConfig {
  const config = loadConfig(OrderEnvSchema, env);
  const problems = [
    ...kafkaEnvProblems(config),
    ...jwtVerifyEnvProblems(config),
    ...serviceClientEnvProblems(config),
    ...requiredInProduction(config, {
      'REDIS_URL or REDIS_CLUSTER_NODES': {
        hint: 'where carts live, shared by every replica',
        satisfied: Boolean(config.REDIS_URL || config.REDIS_CLUSTER_NODES),
      },
      PRODUCT_SERVICE_URL: 'the product service origin, e.g. http://product:3002',
      KAFKA_BROKERS: 'host:port,...',
    }),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...config,
    PRODUCT_SERVICE_URL: config.PRODUCT_SERVICE_URL ?? 'http://127.0.0.1:3002',
  };
}
