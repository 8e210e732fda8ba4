import { redisEnv } from '@shop/cache';
import { databaseEnv } from '@shop/database';
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
  ...databaseEnv('ORDER'),

  /** Where carts live. Unset (both): carts in this process, for the embedded start only. */
  ...redisEnv,
  /** Prefix of every cart key in Redis, so environments (or test files) can share one Redis. */
  CART_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9:_-]*$', default: 'cart:' }),
  /** Origin of the product service. Required in production; elsewhere the embedded start's http://127.0.0.1:3002. */
  PRODUCT_SERVICE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Per attempt of a call to the product service; a cart read or a checkout fails with 503 past it. */
  PRODUCT_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2_000 }),
  /**
   * Shared secret sent in `x-internal-token` to the product service's /internal routes (its own
   * INTERNAL_API_TOKEN). Required in production (and never the development value); elsewhere the
   * development value every service defaults to.
   */
  INTERNAL_API_TOKEN: Type.Optional(Secret(Type.String({ minLength: 32 }))),
});

export type OrderConfig = Static<typeof OrderEnvSchema> & {
  INTERNAL_API_TOKEN: string;
  PRODUCT_SERVICE_URL: string;
};

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Production must name its Redis (in-process carts are lost on restart and differ per replica), the
 * product service and its own internal token.
 */
export function loadOrderConfig(env?: Record<string, string | undefined>): OrderConfig {
  const config = loadConfig(OrderEnvSchema, env);
  const problems = [
    ...jwtVerifyEnvProblems(config),
    ...requiredInProduction(config, {
      'REDIS_URL or REDIS_CLUSTER_NODES': {
        hint: 'where carts live, shared by every replica',
        satisfied: Boolean(config.REDIS_URL || config.REDIS_CLUSTER_NODES),
      },
      PRODUCT_SERVICE_URL: 'the product service origin, e.g. http://product:3002',
      INTERNAL_API_TOKEN: {
        hint: "at least 32 characters, the product service's INTERNAL_API_TOKEN",
        refused: [DEV_INTERNAL_API_TOKEN],
      },
    }),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...config,
    INTERNAL_API_TOKEN: config.INTERNAL_API_TOKEN ?? DEV_INTERNAL_API_TOKEN,
    PRODUCT_SERVICE_URL: config.PRODUCT_SERVICE_URL ?? 'http://127.0.0.1:3002',
  };
}
