import { Type } from 'typebox';
import { Secret } from './load-config.ts';
import { requiredInProduction } from './required-in-production.ts';

/**
 * The secret of a service's OAuth client outside production, so the embedded start needs no setup: the
 * auth service registers every service's client with it, and each service sends its own. Published here
 * on purpose; production refuses it on both sides.
 */
export function devServiceClientSecret(clientId: string): string {
  return `dev-client-secret-${clientId}-not-for-production`;
}

/** The auth service's token endpoint on the embedded start (auth's default port). */
export const DEV_AUTH_TOKEN_URL = 'http://127.0.0.1:3001/api/v1/auth/oauth/token';

/**
 * Env of a service that calls other services with service tokens: its own OAuth client at the auth service
 * (one per service, from its own Kubernetes Secret) and where tokens come from. `clientId` is the default id.
 */
export function serviceClientEnv(clientId: string) {
  return {
    /** This service's client id at the auth service (the `sub` of its tokens is svc:<id>). */
    SERVICE_CLIENT_ID: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', default: clientId }),
    /**
     * Its client secret (a Kubernetes Secret); auth keeps only its argon2id hash. Required in production;
     * elsewhere the published development secret of SERVICE_CLIENT_ID.
     */
    SERVICE_CLIENT_SECRET: Type.Optional(Secret(Type.String({ minLength: 32, maxLength: 256 }))),
    /** The auth service's token endpoint; https in production unless AUTH_JWKS_INSECURE_MESH. */
    AUTH_TOKEN_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  };
}

interface ServiceClientSettings {
  NODE_ENV: string;
  SERVICE_CLIENT_ID: string;
  SERVICE_CLIENT_SECRET?: string;
  AUTH_TOKEN_URL?: string;
  /** From jwtVerifyEnv: a mesh (mTLS) protects the hops to the auth service. */
  AUTH_JWKS_INSECURE_MESH?: boolean;
}

/**
 * What is wrong with a serviceClientEnv configuration in production, one line per problem: the secret and
 * token URL must be set, the secret must not be the published one, and it must not travel in clear text.
 */
export function serviceClientEnvProblems(config: ServiceClientSettings): string[] {
  const problems = requiredInProduction(config, {
    SERVICE_CLIENT_SECRET: {
      hint: "at least 32 random characters, whose argon2id hash the auth service's SERVICE_CLIENTS holds",
      refused: [devServiceClientSecret(config.SERVICE_CLIENT_ID)],
    },
    AUTH_TOKEN_URL: "the auth service's token endpoint, e.g. https://auth:3001/api/v1/auth/oauth/token",
  });
  const url = config.AUTH_TOKEN_URL;
  if (
    config.NODE_ENV === 'production' &&
    url &&
    !url.startsWith('https://') &&
    !config.AUTH_JWKS_INSECURE_MESH
  ) {
    problems.push(
      'AUTH_TOKEN_URL: must be https:// in production (the client secret travels on it); set the https URL, ' +
        'or AUTH_JWKS_INSECURE_MESH=true when a service mesh (mTLS) encrypts and authenticates the hop',
    );
  }
  return problems;
}

/** The client credentials and token URL, with the development defaults outside production. */
export function serviceCredentialsFrom(config: ServiceClientSettings): {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
} {
  if (config.NODE_ENV === 'production' && (!config.SERVICE_CLIENT_SECRET || !config.AUTH_TOKEN_URL)) {
    // loadConfig's callers check serviceClientEnvProblems first; this only guards a caller that did not.
    throw new Error('SERVICE_CLIENT_SECRET and AUTH_TOKEN_URL are required in production; set both.');
  }
  return {
    tokenUrl: config.AUTH_TOKEN_URL ?? DEV_AUTH_TOKEN_URL,
    clientId: config.SERVICE_CLIENT_ID,
    clientSecret: config.SERVICE_CLIENT_SECRET ?? devServiceClientSecret(config.SERVICE_CLIENT_ID),
  };
}
