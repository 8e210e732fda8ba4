import { Type } from 'typebox';

/** Environment every service understands; a service spreads these into its own env schema. */
export const platformEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  HOST: Type.String({ default: '0.0.0.0' }),
  /** Maximum accepted request body, in bytes. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** How long readiness reports 503 before the server stops accepting (lets load balancers notice). */
  SHUTDOWN_DRAIN_DELAY_MS: Type.Integer({ minimum: 0, default: 0 }),
  /** Hard upper bound for a graceful shutdown; past it the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 15_000 }),
};

/** Env for verifying access tokens issued by the auth service (every service but auth itself reads it). */
export const jwtVerifyEnv = {
  AUTH_JWKS_URL: Type.String({ default: 'http://127.0.0.1:3001/.well-known/jwks.json' }),
  AUTH_ISSUER: Type.String({ default: 'https://auth.shop.local' }),
  AUTH_AUDIENCE: Type.String({ default: 'shop-api' }),
};
