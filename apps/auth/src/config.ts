import { loadConfig, platformEnv } from '@shop/platform';
import { Type, type Static } from 'typebox';

export const AuthEnvSchema = Type.Object({
  ...platformEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3001 }),
  AUTH_DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL URL of the Auth DB',
  }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, default: 10 }),
  /** Unset: login throttling counts in process (embedded start only); set it for several replicas. */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  AUTH_ISSUER: Type.String({ default: 'https://auth.shop.local' }),
  AUTH_AUDIENCE: Type.String({ default: 'shop-api' }),
  /** At most 15 minutes: access tokens cannot be revoked, so they must die young. */
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 900, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, default: 30 * 24 * 3600 }),
  /** A login's refresh tokens stop rotating this long after the login, however often they are used. */
  REFRESH_FAMILY_MAX_AGE_SECONDS: Type.Integer({ minimum: 300, default: 90 * 24 * 3600 }),
  /**
   * JSON array of private Ed25519 JWKs (each with a `kid`): the first signs, all are published in the JWKS
   * (the previous key, and the next one before it starts signing). Unset: a key is generated at start-up,
   * which suits one replica only.
   */
  AUTH_SIGNING_KEYS: Type.Optional(Type.String()),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_MAX_FAILURES_PER_IP: Type.Integer({ minimum: 1, default: 50 }),
  LOGIN_THROTTLE_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /** argon2id memory cost in KiB; OWASP's minimum is 19 MiB. */
  ARGON2_MEMORY_KIB: Type.Integer({ minimum: 19_456, default: 19_456 }),
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10 })),
});

export type AuthConfig = Static<typeof AuthEnvSchema>;

export const DEV_ADMIN = { email: 'admin@shop.local', password: 'admin-dev-password' } as const;

/** Outside production a local admin account is seeded with a well-known password, which the log prints. */
export function loadAuthConfig(env?: Record<string, string | undefined>): AuthConfig {
  const config = loadConfig(AuthEnvSchema, env);
  if (config.NODE_ENV === 'production' || config.ADMIN_EMAIL) return config;
  return {
    ...config,
    ADMIN_EMAIL: DEV_ADMIN.email,
    ADMIN_PASSWORD: config.ADMIN_PASSWORD ?? DEV_ADMIN.password,
  };
}
