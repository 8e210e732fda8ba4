import { readFileSync } from 'node:fs';
import { redisEnv } from '@shop/cache';
import { isServiceScope, SERVICE_CALLS } from '@shop/contracts';
import { databaseEnv } from '@shop/database';
import {
  ConfigError,
  devServiceClientSecret,
  loadConfig,
  platformEnv,
  requiredInProduction,
  Secret,
} from '@shop/platform';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ServiceClientSpec } from './domain/service-clients.ts';

export const AuthEnvSchema = Type.Object({
  ...platformEnv,
  /** The API's port; the operational listener (metrics, the full OpenAPI document) is OPS_PORT. */
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3001 }),
  ...databaseEnv('AUTH'),
  /** One is required in production; unset: login and sign-up limits count in process (one replica only). */
  ...redisEnv,
  /** Prefix of every key auth writes to Redis, so environments (or test files) can share one Redis. */
  REDIS_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9:_-]*$', default: 'auth:' }),
  /** The `iss` of every token auth signs; the services pin the same value. */
  AUTH_ISSUER: Type.String({ default: 'https://auth.shop.local' }),
  /** The `aud` of customers' access tokens; the services pin the same value. */
  AUTH_AUDIENCE: Type.String({ default: 'shop-api' }),
  /** At most 15 minutes: access tokens cannot be revoked, so they must die young. */
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 900, default: 900 }),
  /** How long an unused refresh token stays valid (30 days); each use rotates it. */
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, default: 30 * 24 * 3600 }),
  /** A login's refresh tokens stop rotating this long after the login, however often they are used. */
  REFRESH_FAMILY_MAX_AGE_SECONDS: Type.Integer({ minimum: 300, default: 90 * 24 * 3600 }),
  /**
   * JSON array of private Ed25519 JWKs (each with a `kid`): the first signs, all are published in the JWKS
   * (the previous key, and the next one before it starts signing). Required in production; unset: a key is
   * generated at start-up, which suits one replica only.
   */
  AUTH_SIGNING_KEYS: Type.Optional(Secret(Type.String())),
  /** Failed logins for one account from one client (IP, IPv6 /64) before it is locked out. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 5 }),
  /** Failed logins from one client, whatever the accounts, before it is refused for the window. */
  LOGIN_MAX_FAILURES_PER_IP: Type.Integer({ minimum: 1, default: 50 }),
  /** The window the failed-login counts above are kept for. */
  LOGIN_THROTTLE_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  /** The first lockout of an account for one client; each further one doubles, up to the maximum. */
  LOGIN_LOCKOUT_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** The longest a doubling lockout can get. */
  LOGIN_LOCKOUT_MAX_SECONDS: Type.Integer({ minimum: 1, default: 24 * 3600 }),
  /** Sign-ups from one client (IP, IPv6 /64) per window. */
  REGISTRATION_MAX_PER_IP: Type.Integer({ minimum: 1, default: 20 }),
  /** The window REGISTRATION_MAX_PER_IP counts in. */
  REGISTRATION_IP_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** Sign-ups per minute across all clients and replicas: bounds the argon2 work a flood can cause. */
  REGISTRATION_MAX_PER_MINUTE: Type.Integer({ minimum: 1, default: 600 }),
  /** argon2id memory cost in KiB; OWASP's minimum is 19 MiB. */
  ARGON2_MEMORY_KIB: Type.Integer({ minimum: 19_456, default: 19_456 }),
  /**
   * argon2 runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise), which DNS
   * look-ups and file I/O share: hashes beyond this wait in a queue, and beyond the queue answer 503.
   */
  ARGON2_MAX_CONCURRENCY: Type.Integer({ minimum: 1, default: 2 }),
  /** Hashes that may wait for a free slot; past it a login or sign-up is answered 503 with Retry-After. */
  ARGON2_MAX_QUEUE: Type.Integer({ minimum: 0, default: 32 }),
  /** A file of further breached passwords, one per line, refused on top of the list shipped with auth. */
  BREACHED_PASSWORDS_FILE: Type.Optional(Type.String()),
  /** The admin account ensured at start-up (with ADMIN_PASSWORD); outside production the development admin. */
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  /** The admin's password, at least 10 characters; production refuses the published development one. */
  ADMIN_PASSWORD: Type.Optional(Secret(Type.String({ minLength: 10 }))),
  /**
   * The other services' OAuth clients (client credentials), as JSON:
   * `[{"id":"order","secretHashes":["$argon2id$..."],"scopes":{"product":["products:lookup"]}}]`, with the
   * hashes from `npm run auth:client-secret` (two while a secret is rotated). Or SERVICE_CLIENTS_FILE, a
   * file holding the same (a mounted Secret). One is required in production; unset elsewhere, every
   * service's development client (SERVICE_CALLS of @shop/contracts) with its published secret.
   */
  SERVICE_CLIENTS: Type.Optional(Secret(Type.String({ minLength: 2 }))),
  /** A file holding what SERVICE_CLIENTS holds (a mounted Kubernetes Secret); set one of the two. */
  SERVICE_CLIENTS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Lifetime of service tokens: short, since they cannot be revoked (5 minutes). */
  SERVICE_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 900, default: 300 }),
});

export type AuthConfig = Static<typeof AuthEnvSchema> & {
  /** The clients synchronised into the Auth DB at start-up, from SERVICE_CLIENTS(_FILE) or the defaults. */
  serviceClients: ServiceClientSpec[];
};

// An argon2id hash in PHC form, as argon2 (and auth's hasher) writes it.
const ARGON2ID_HASH = '^\\$argon2id\\$v=19\\$[a-z0-9=,]+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+$';
const ServiceClientsSchema = Type.Array(
  Type.Object(
    {
      id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' }),
      secretHashes: Type.Array(Type.String({ pattern: ARGON2ID_HASH }), { minItems: 1, maxItems: 2 }),
      scopes: Type.Record(Type.String(), Type.Array(Type.String(), { minItems: 1 })),
    },
    { additionalProperties: false },
  ),
  { maxItems: 100 },
);
const serviceClientsValidator = Compile(ServiceClientsSchema);

/** The registry's problems, or its clients; never echoes the text (it may be a mounted Secret). */
function parseServiceClients(text: string, source: string): ServiceClientSpec[] | string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [
      `${source}: is not JSON; give an array like [{"id":"order","secretHashes":["$argon2id$..."],"scopes":{"product":["products:lookup"]}}]`,
    ];
  }
  if (!serviceClientsValidator.Check(parsed)) {
    return [...serviceClientsValidator.Errors(parsed)]
      .slice(0, 5)
      .map((e) => `${source}: ${e.instancePath || '(root)'} ${e.message}`);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const client of parsed) {
    if (seen.has(client.id))
      problems.push(`${source}: the client ${client.id} is listed twice; keep one entry`);
    seen.add(client.id);
    for (const [audience, scopes] of Object.entries(client.scopes)) {
      for (const scope of scopes.filter((s) => !isServiceScope(audience, s))) {
        problems.push(
          `${source}: ${client.id} is granted ${scope} on ${audience}, which no service grants; see SERVICE_SCOPES in libs/contracts`,
        );
      }
    }
  }
  return problems.length > 0 ? problems : parsed;
}

/** Every service's client as SERVICE_CALLS says, with its published secret: outside production only. */
export function developmentServiceClients(): ServiceClientSpec[] {
  return Object.entries(SERVICE_CALLS).map(([id, scopes]) => ({
    id,
    scopes,
    secret: devServiceClientSecret(id),
  }));
}

function serviceClientsFrom(config: Static<typeof AuthEnvSchema>): ServiceClientSpec[] | string[] {
  if (config.SERVICE_CLIENTS && config.SERVICE_CLIENTS_FILE) {
    return ['SERVICE_CLIENTS, SERVICE_CLIENTS_FILE: set one of them, not both'];
  }
  if (config.SERVICE_CLIENTS) return parseServiceClients(config.SERVICE_CLIENTS, 'SERVICE_CLIENTS');
  if (config.SERVICE_CLIENTS_FILE) {
    let text: string;
    try {
      text = readFileSync(config.SERVICE_CLIENTS_FILE, 'utf8');
    } catch (error) {
      return [
        `SERVICE_CLIENTS_FILE: cannot read ${config.SERVICE_CLIENTS_FILE} (${(error as Error).message})`,
      ];
    }
    return parseServiceClients(text, 'SERVICE_CLIENTS_FILE');
  }
  return config.NODE_ENV === 'production' ? [] : developmentServiceClients();
}

/** Published in the README: seeded only outside production, and refused in production. */
export const DEV_ADMIN = { email: 'admin@shop.local', password: 'admin-dev-password' } as const;

// Settings without which several replicas would disagree (limits, signing keys) or a published
// credential would be used; product's loader makes the same kind of list.
function productionProblems(config: Static<typeof AuthEnvSchema>): string[] {
  return requiredInProduction(config, {
    'REDIS_URL or REDIS_CLUSTER_NODES': {
      hint: 'so login and sign-up limits hold across replicas: redis://host:6379',
      satisfied: Boolean(config.REDIS_URL || config.REDIS_CLUSTER_NODES),
    },
    AUTH_SIGNING_KEYS:
      'so every replica signs with the same keys: a JSON array of private Ed25519 JWKs, kept in a Secret; see the README',
    // Not required (production seeds no admin), but never the published one when given.
    ADMIN_PASSWORD: { hint: 'at least 10 characters', satisfied: true, refused: [DEV_ADMIN.password] },
    'SERVICE_CLIENTS or SERVICE_CLIENTS_FILE': {
      hint: "the other services' OAuth clients with their secrets' argon2id hashes; see the README",
      satisfied: Boolean(config.SERVICE_CLIENTS || config.SERVICE_CLIENTS_FILE),
    },
  });
}

/**
 * Validates the environment; production must name its Redis and signing keys and must not use the
 * published admin password. Outside production a local admin account is seeded with a well-known
 * password, which the log prints.
 */
export function loadAuthConfig(env?: Record<string, string | undefined>): AuthConfig {
  const settings = loadConfig(AuthEnvSchema, env);
  const serviceClients = serviceClientsFrom(settings);
  const problems = [
    ...productionProblems(settings),
    ...serviceClients.filter((entry): entry is string => typeof entry === 'string'),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const config = { ...settings, serviceClients: serviceClients as ServiceClientSpec[] };
  if (config.NODE_ENV === 'production' || config.ADMIN_EMAIL) return config;
  return {
    ...config,
    ADMIN_EMAIL: DEV_ADMIN.email,
    ADMIN_PASSWORD: config.ADMIN_PASSWORD ?? DEV_ADMIN.password,
  };
}
