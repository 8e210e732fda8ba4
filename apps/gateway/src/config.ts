import { redisEnv } from '@shop/cache';
import {
  ConfigError,
  jwtVerifyEnv,
  jwtVerifyEnvProblems,
  loadConfig,
  platformEnv,
  requiredInProduction,
} from '@shop/platform';
import { Type, type Static } from 'typebox';

const Origin = (description: string) =>
  Type.Optional(Type.String({ pattern: '^https?://[^/?#\\s]+$', description }));
const PerWindow = (fallback: number) => Type.Integer({ minimum: 1, maximum: 1_000_000, default: fallback });

export const GatewayEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  /** The API's port; the operational listener (metrics, the full OpenAPI document) is OPS_PORT. */
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),

  /** The upstreams' origins (no path). Required in production; elsewhere the embedded start's ports. */
  AUTH_SERVICE_URL: Origin('the auth service, e.g. http://auth:3001'),
  PRODUCT_SERVICE_URL: Origin('the product service, e.g. http://product:3002'),
  ORDER_SERVICE_URL: Origin('the order service, e.g. http://order:3003'),
  PAYMENT_SERVICE_URL: Origin('the payment service, e.g. http://payment:3004'),
  /** Keep-alive connections per upstream (undici pool). */
  UPSTREAM_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 4_096, default: 128 }),
  /** Time for an upstream's response headers on most routes; past it 504. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 120_000, default: 5_000 }),
  /**
   * The same for routes that wait on slow work by design: login and register (argon2 behind a queue),
   * checkout (stock holds on the product service) and payments (the provider).
   */
  UPSTREAM_SLOW_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 120_000, default: 15_000 }),
  /** Extra attempts of a GET or HEAD whose connection failed (never for other methods). */
  UPSTREAM_RETRIES: Type.Integer({ minimum: 0, maximum: 5, default: 1 }),
  /** Consecutive failures (no answer, timeout, 5xx) of one upstream that open its breaker. */
  BREAKER_CONSECUTIVE_FAILURES: Type.Integer({ minimum: 1, maximum: 1_000, default: 5 }),
  /** How long an open breaker answers 503 at once before it lets one trial request through. */
  BREAKER_HALF_OPEN_AFTER_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),

  /** Rate-limit counters, shared by every replica. Unset (both): in this process, outside production only. */
  ...redisEnv,
  /** Prefix of the counters' Redis keys, so environments can share one Redis. */
  RATE_LIMIT_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9:_-]*$', default: 'gateway:rate:' }),
  /** The window every limit below counts in. */
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
  /** Requests of one client address (IPv6: its /64) per window, on every route. */
  RATE_LIMIT_PER_IP: PerWindow(600),
  /** Requests of one authenticated user per window, on every route that needs a token. */
  RATE_LIMIT_PER_USER: PerWindow(300),
  /** Logins per client address per window (auth also locks out per account). */
  RATE_LIMIT_LOGIN: PerWindow(10),
  /** Registrations per client address per window. */
  RATE_LIMIT_REGISTER: PerWindow(5),
  /** Checkouts (POST /api/v1/orders) and payments (POST /api/v1/payments) per user per window. */
  RATE_LIMIT_CHECKOUT: PerWindow(20),
  /** Webhook deliveries per provider address per window (instead of the per-IP limit). */
  RATE_LIMIT_WEBHOOKS: PerWindow(6_000),

  /**
   * Origins the storefront is served from, comma-separated, allowed by CORS. Unset: http://localhost:3000
   * outside production, none in production (no cross-origin calls).
   */
  WEB_ORIGIN: Type.Optional(Type.String({ pattern: '^https?://[^/?#\\s,]+(,https?://[^/?#\\s,]+)*$' })),
  /** Event-loop delay past which requests are shed with 503 + Retry-After; 0 turns shedding off. */
  LOAD_SHED_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1_000 }),
  /** How often the aggregated OpenAPI document is fetched again from the services. */
  OPENAPI_REFRESH_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
});

export interface Upstreams {
  auth: string;
  product: string;
  order: string;
  payment: string;
}
export type UpstreamName = keyof Upstreams;

export type GatewayConfig = Static<typeof GatewayEnvSchema> & {
  upstreams: Upstreams;
  webOrigins: string[];
};

const DEV_UPSTREAMS: Upstreams = {
  auth: 'http://127.0.0.1:3001',
  product: 'http://127.0.0.1:3002',
  order: 'http://127.0.0.1:3003',
  payment: 'http://127.0.0.1:3004',
};

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Production must name every upstream and the Redis its limits count in (in-process counters differ per
 * replica, so N replicas would allow N times the limit).
 */
export function loadGatewayConfig(env?: Record<string, string | undefined>): GatewayConfig {
  const config = loadConfig(GatewayEnvSchema, env);
  const problems = [
    ...jwtVerifyEnvProblems(config),
    ...requiredInProduction(config, {
      AUTH_SERVICE_URL: 'the auth service origin, e.g. http://auth:3001',
      PRODUCT_SERVICE_URL: 'the product service origin, e.g. http://product:3002',
      ORDER_SERVICE_URL: 'the order service origin, e.g. http://order:3003',
      PAYMENT_SERVICE_URL: 'the payment service origin, e.g. http://payment:3004',
      'REDIS_URL or REDIS_CLUSTER_NODES': {
        hint: 'where rate-limit counters live, shared by every replica',
        satisfied: Boolean(config.REDIS_URL || config.REDIS_CLUSTER_NODES),
      },
    }),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const production = config.NODE_ENV === 'production';
  return {
    ...config,
    upstreams: {
      auth: config.AUTH_SERVICE_URL ?? DEV_UPSTREAMS.auth,
      product: config.PRODUCT_SERVICE_URL ?? DEV_UPSTREAMS.product,
      order: config.ORDER_SERVICE_URL ?? DEV_UPSTREAMS.order,
      payment: config.PAYMENT_SERVICE_URL ?? DEV_UPSTREAMS.payment,
    },
    webOrigins: config.WEB_ORIGIN?.split(',') ?? (production ? [] : ['http://localhost:3000']),
  };
}
