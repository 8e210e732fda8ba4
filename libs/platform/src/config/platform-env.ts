import { Type } from 'typebox';
import { trustProxyProblem } from '../http/trusted-proxies.ts';

/** Environment every service understands; a service spreads these into its own env schema. */
export const platformEnv = {
  /**
   * Unset means production: a deployment that forgets it gets the strict checks and no development
   * defaults (seeded accounts, published tokens). Development needs the explicit opt-in that `npm start`
   * and the test kits give. A default rather than required, so an image is safe without setting it.
   */
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'production',
  }),
  /** The least severe level logged (JSON lines on stdout, pino's levels). */
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Outside production only this machine can connect; in production (a container) every interface. */
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', productionDefault: '0.0.0.0' }),
  /**
   * Port of the operational listener (/metrics and the OpenAPI document with /internal routes), which the
   * public Service must not expose. Unset: PORT + 10000; 0 picks a free port.
   */
  OPS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  /**
   * The proxies whose X-Forwarded-For names the client: unset or false, none (the peer is the client);
   * otherwise their addresses and CIDR ranges, comma-separated (e.g. the ingress pods' 10.0.0.0/8).
   */
  TRUST_PROXY: Type.Optional(
    Type.Refine(
      Type.String(),
      (value) => trustProxyProblem(value) === undefined,
      (value) => trustProxyProblem(value) ?? 'is invalid',
    ),
  ),
  /** Maximum accepted request body, in bytes. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** How long readiness reports 503 before the server stops accepting (lets load balancers notice). */
  SHUTDOWN_DRAIN_DELAY_MS: Type.Integer({ minimum: 0, default: 0 }),
  /** Hard upper bound for a graceful shutdown; past it the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 15_000 }),
};

/** Env for verifying access tokens issued by the auth service (every service but auth itself reads it). */
export const jwtVerifyEnv = {
  /** Must be https:// in production unless AUTH_JWKS_INSECURE_MESH is set (see jwtVerifyEnvProblems). */
  AUTH_JWKS_URL: Type.String({
    pattern: '^https?://',
    default: 'http://127.0.0.1:3001/.well-known/jwks.json',
  }),
  /**
   * true: the JWKS is reached through a service mesh that encrypts and authenticates the hop (Istio
   * mTLS), so a plain http:// URL is accepted in production.
   */
  AUTH_JWKS_INSECURE_MESH: Type.Boolean({ default: false }),
  /**
   * While the auth service is unreachable, the keys of the last good JWKS fetch keep verifying for at most
   * this long after that fetch; past it requests get 503. 0: never verify with keys that could not be refreshed.
   */
  AUTH_JWKS_MAX_STALE_SECONDS: Type.Integer({ minimum: 0, default: 3_600 }),
  /** The `iss` tokens must carry: the auth service's AUTH_ISSUER. */
  AUTH_ISSUER: Type.String({ default: 'https://auth.shop.local' }),
  /** The `aud` customer tokens must carry: the auth service's AUTH_AUDIENCE. */
  AUTH_AUDIENCE: Type.String({ default: 'shop-api' }),
};

/**
 * What is wrong with a jwtVerifyEnv configuration beyond its schema, one line per problem saying what to
 * set: in production the key set must come over https (an attacker on the path could otherwise hand out
 * keys of their own), unless AUTH_JWKS_INSECURE_MESH says a mesh protects the hop.
 */
export function jwtVerifyEnvProblems(config: {
  NODE_ENV: string;
  AUTH_JWKS_URL: string;
  AUTH_JWKS_INSECURE_MESH: boolean;
}): string[] {
  if (config.NODE_ENV !== 'production' || config.AUTH_JWKS_INSECURE_MESH) return [];
  if (config.AUTH_JWKS_URL.startsWith('https://')) return [];
  return [
    'AUTH_JWKS_URL: must be https:// in production; set the https URL of the auth service JWKS, or ' +
      'AUTH_JWKS_INSECURE_MESH=true when a service mesh (mTLS) encrypts and authenticates the hop',
  ];
}
