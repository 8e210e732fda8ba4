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
} from '@shop/platform';
import { Type, type Static } from 'typebox';

export const ProductEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  /** The API's port; the operational listener (metrics, the full OpenAPI document) is OPS_PORT. */
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3002 }),
  ...databaseEnv('PRODUCT'),

  /** Unset (both): an in-process cache, for the embedded start only. */
  ...redisEnv,
  /** Prefix of every cache key in Redis, so environments (or test files) can share one Redis. */
  CACHE_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9:_-]*$', default: 'cache:' }),
  /**
   * A Redis command slower than this falls through to PostgreSQL. Not lower: under CPU load the event loop
   * alone can delay a reply by tens of ms, and a spurious timeout costs a database read, not less.
   */
  CACHE_REDIS_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 250 }),
  /**
   * Lifetime of the in-process copies in front of Redis. Writes reach every replica's copy at once through
   * Redis pub/sub (and the copies are dropped whenever that feed breaks), so this only bounds staleness if a
   * message were lost on a live feed. 30 s rather than the library's 5 s: the long tail of the catalog is
   * then served from memory too, which roughly halves what a cached read costs over a no-op (see the bench).
   */
  CACHE_L1_TTL_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /**
   * Bytes each cache (products, list pages) may hold in this process: its L1 in front of Redis, or the
   * in-process store without Redis. Bounded in bytes because a list page can weigh hundreds of KiB.
   */
  CACHE_L1_MAX_BYTES: Type.Integer({ minimum: 16_384, default: 33_554_432 }),
  /** Off only to measure what the cache buys (the bench); reads then always go to PostgreSQL. */
  CACHE_ENABLED: Type.Boolean({ default: true }),
  /** How long a product stays cached; every write to it drops it at once. */
  PRODUCT_CACHE_TTL_MS: Type.Integer({ minimum: 1_000, default: 300_000 }),
  /** List and search pages; every catalog write also drops them at once (a generation bump). */
  LIST_CACHE_TTL_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
  /** How long "no such product" is remembered; a create invalidates it at once anyway. */
  NEGATIVE_CACHE_TTL_MS: Type.Integer({ minimum: 1_000, default: 30_000 }),

  ...kafkaEnv,
  /** Off: this process writes events to the outbox and another one relays them (tests inspect the outbox so). */
  OUTBOX_RELAY_ENABLED: Type.Boolean({ default: true }),
  /** Database of the stand-in bus, shared by every service of one run; defaults to the Product DB. */
  EVENT_BUS_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),

  /** How long stock stays held for an order that is not paid (default 15 min). */
  RESERVATION_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
  /** How often expired reservations are looked for and released. */
  RESERVATION_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 50, default: 5_000 }),
});

export type ProductConfig = Static<typeof ProductEnvSchema>;

/**
 * Validates the environment, Kafka's TLS and SASL settings and the JWKS URL included. Production must name
 * its Redis and Kafka: the in-process stand-ins cannot keep several replicas coherent. The internal
 * routes take service tokens from the auth service, verified with the same JWKS as customer tokens.
 */
export function loadProductConfig(env?: Record<string, string | undefined>): ProductConfig {
  const config = loadConfig(ProductEnvSchema, env);
  const problems = [
    ...kafkaEnvProblems(config),
    ...jwtVerifyEnvProblems(config),
    ...requiredInProduction(config, {
      'REDIS_URL or REDIS_CLUSTER_NODES': {
        hint: 'the shared cache of every replica',
        satisfied: Boolean(config.REDIS_URL || config.REDIS_CLUSTER_NODES) || !config.CACHE_ENABLED,
      },
      KAFKA_BROKERS: 'host:port,...',
    }),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
