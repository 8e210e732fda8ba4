import {
  ACCESS_TOKEN_ALGORITHMS,
  ACCESS_TOKEN_TYPE,
  isServiceScope,
  ROLES,
  SERVICE_SUBJECT_PREFIX,
  type Role,
  type ServiceAudience,
  type ServiceScope,
} from '@shop/contracts';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwksCache,
  jwtVerify,
  type JWKSCacheInput,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { type AppError, PlatformErrors } from '../errors/app-error.ts';

export { ACCESS_TOKEN_ALGORITHMS, ACCESS_TOKEN_TYPE, type Role };

/** The authenticated caller, taken from a verified access token. */
export interface Caller {
  id: string;
  roles: readonly Role[];
  tokenId: string;
}

/** The calling service, taken from a verified service token (client credentials). */
export interface ServiceCaller {
  clientId: string;
  /** `svc:<client id>`. */
  subject: string;
  scopes: readonly string[];
  tokenId: string;
}

export interface JwtAuthOptions {
  issuer: string;
  audience: string;
  /** Where verification keys come from: `remoteJwks(url)` in services, the key ring itself in auth. */
  keys: JWTVerifyGetKey;
  /** Pinned signature algorithms (RFC 8725 §3.1): a token naming another algorithm is refused. */
  algorithms?: string[];
  /** Required `typ` header (RFC 9068 access tokens are `at+jwt`), so other JWTs of the issuer are refused. */
  typ?: string;
  /**
   * This service's name as the `aud` of the service tokens issued for it; needed by `requireService`.
   * Customer routes never accept those tokens, whatever this says.
   */
  serviceAudience?: ServiceAudience;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    /** The calling service on a route guarded by requireService. */
    service: ServiceCaller | null;
  }
  interface FastifyInstance {
    /** preHandler: 401 unless the request carries a valid access token. */
    authenticate: preHandlerAsyncHookHandler;
    /** preHandler: 401 without a valid token, 403 unless the caller has one of the roles. */
    requireRole(...roles: Role[]): preHandlerAsyncHookHandler;
    /**
     * onRequest/preHandler of an internal route: 401 without a valid service token for this service, 403
     * for a customer's token or a service token without `scope`.
     */
    requireService(scope: ServiceScope): preHandlerAsyncHookHandler;
  }
}

export interface RemoteJwksOptions {
  /** How long a fetched key set is trusted before it is fetched again (default 10 min). */
  cacheMaxAgeMs?: number;
  /** Minimum time between fetches triggered by unknown `kid`s, which anyone can send (default 5 s). */
  cooldownMs?: number;
  /** Fetch timeout (default 3 s). */
  timeoutMs?: number;
  /**
   * While the JWKS cannot be fetched, the keys of the last good fetch keep verifying for at most this long
   * after that fetch (default 1 h); past it requests get 503, as with no keys at all.
   */
  maxStaleMs?: number;
  /** The clock of `maxStaleMs` and of the pause between retries of a failing fetch (tests inject one). */
  now?: () => number;
}

// Failures of the key source itself (timeout, non-200, bad JSON, network), as opposed to a bad token.
const KEY_SOURCE_FAILURES = new Set(['ERR_JOSE_GENERIC', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);
function isKeySourceFailure(error: unknown): boolean {
  return !(error instanceof joseErrors.JOSEError) || KEY_SOURCE_FAILURES.has(error.code);
}

/**
 * A JWKS fetched from the auth service, cached, and refetched when a token names an unknown `kid`. While
 * the auth service cannot be reached, the last key set it served keeps verifying tokens (stale-if-error)
 * for a bounded time, so a short auth outage does not take every other service down with it, and keys
 * that can no longer be refreshed (perhaps revoked meanwhile) do not verify forever.
 */
export function remoteJwks(url: string, opts: RemoteJwksOptions = {}): JWTVerifyGetKey {
  const now = opts.now ?? Date.now;
  const cooldownMs = opts.cooldownMs ?? 5_000;
  const maxStaleMs = opts.maxStaleMs ?? 60 * 60_000;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  // jose assigns `uat` exactly when a fetched key set has been applied: that moment, on our clock, is the
  // last good fetch that stale keys are aged from.
  const lastGoodFetch = {
    set uat(_: number) {
      fetchedAt = now();
    },
  };
  const remote = createRemoteJWKSet(new URL(url), {
    cacheMaxAge: opts.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: cooldownMs,
    timeoutDuration: opts.timeoutMs ?? 3_000,
    [jwksCache]: lastGoodFetch as unknown as JWKSCacheInput,
  });
  const tooOld = () => now() - fetchedAt > maxStaleMs;
  let pause: { until: number; keys: JWTVerifyGetKey; error: unknown } | undefined;
  return async (header, token) => {
    if (pause && now() < pause.until) {
      if (tooOld()) throw pause.error;
      return pause.keys(header, token);
    }
    try {
      return await remote(header, token);
    } catch (error) {
      const lastServed = remote.jwks();
      if (!isKeySourceFailure(error) || !lastServed) throw error;
      // Retry the source only after a pause, so requests do not each wait for a failing fetch.
      pause = { keys: createLocalJWKSet(lastServed), until: now() + Math.max(cooldownMs, 1_000), error };
      if (tooOld()) throw error;
      return pause.keys(header, token);
    }
  };
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

// RFC 6750 §3: a 401 names the scheme, and says why when a token was sent.
function unauthorized(message: string, reason?: string): AppError {
  const challenge = reason ? `Bearer error="invalid_token", error_description="token ${reason}"` : 'Bearer';
  return PlatformErrors.unauthorized(message, { headers: { 'www-authenticate': challenge } });
}

const forbidden = (message: string) => PlatformErrors.forbidden(message);

// RFC 6750 §3.1: a token without the scope is 403 insufficient_scope, naming the scope it needs.
function insufficientScope(scope: string): AppError {
  return PlatformErrors.forbidden(
    `This route needs the scope ${scope}; grant it to the calling service's client in the auth service.`,
    {
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
      extensions: { requiredScope: scope },
    },
  );
}

function rolesFrom(claim: unknown): Role[] {
  if (!Array.isArray(claim)) return [];
  return claim.filter((r): r is Role => ROLES.includes(r as Role));
}

/**
 * Verifies access tokens against a pinned algorithm, issuer and audience and exposes the caller; with
 * `serviceAudience`, also service tokens (client credentials) on the routes `requireService` guards.
 */
export const jwtAuthPlugin = fp(
  async (app: FastifyInstance, opts: JwtAuthOptions) => {
    const algorithms = opts.algorithms ?? [...ACCESS_TOKEN_ALGORITHMS];
    const typ = opts.typ ?? ACCESS_TOKEN_TYPE;

    async function verifiedClaims(token: string, audience: string | string[]): Promise<JWTPayload> {
      try {
        const { payload } = await jwtVerify(token, opts.keys, {
          algorithms,
          typ,
          issuer: opts.issuer,
          audience,
          requiredClaims: ['sub', 'exp', 'jti'],
        });
        return payload;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) {
          throw unauthorized('The access token has expired; refresh it and retry.', 'expired');
        }
        if (!isKeySourceFailure(error)) throw unauthorized('The access token is invalid.', 'invalid');
        throw PlatformErrors.upstreamUnavailable(
          'Access tokens cannot be verified now: the auth service key set is unavailable; try again shortly.',
          { cause: error },
        );
      }
    }

    function sentToken(request: FastifyRequest): string {
      const token = bearerToken(request);
      if (!token) throw unauthorized('Send an access token as "Authorization: Bearer <token>".');
      return token;
    }

    async function verify(request: FastifyRequest): Promise<Caller> {
      const claims = await verifiedClaims(sentToken(request), opts.audience);
      if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string') {
        throw unauthorized('The access token is invalid.', 'invalid');
      }
      // Service tokens name another audience, so this holds even when the audiences were configured alike.
      if (claims['client_id'] !== undefined || claims.sub.startsWith(SERVICE_SUBJECT_PREFIX)) {
        throw unauthorized(
          'A service token cannot call a customer route; send a user access token.',
          'invalid',
        );
      }
      return { id: claims.sub, roles: rolesFrom(claims['roles']), tokenId: claims.jti };
    }

    // A customer's token verifies here too (its audience is accepted), so it can be answered 403 rather
    // than 401: it is a valid token, only not one for this route.
    async function verifyService(request: FastifyRequest, self: string): Promise<ServiceCaller> {
      const claims = await verifiedClaims(sentToken(request), [self, opts.audience]);
      const clientId = claims['client_id'];
      if (clientId === undefined) {
        throw forbidden("This internal route is for other services; a user's access token cannot call it.");
      }
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      const scope = claims['scope'];
      if (
        typeof clientId !== 'string' ||
        typeof claims.sub !== 'string' ||
        !claims.sub.startsWith(SERVICE_SUBJECT_PREFIX) ||
        typeof claims.jti !== 'string' ||
        typeof scope !== 'string' ||
        !audiences.includes(self)
      ) {
        throw unauthorized(`The service token is invalid or not issued for the ${self} service.`, 'invalid');
      }
      return { clientId, subject: claims.sub, scopes: scope.split(' ').filter(Boolean), tokenId: claims.jti };
    }

    app.decorateRequest('caller', null);
    app.decorateRequest('service', null);
    app.decorate('authenticate', async function authenticate(request: FastifyRequest) {
      request.caller = await verify(request);
    });
    app.decorate('requireRole', (...roles: Role[]): preHandlerAsyncHookHandler => {
      return async function requireRole(request: FastifyRequest) {
        request.caller ??= await verify(request);
        if (!request.caller.roles.some((r) => roles.includes(r))) {
          throw PlatformErrors.forbidden(`This action requires the role ${roles.join(' or ')}.`);
        }
      };
    });
    app.decorate('requireService', (scope: ServiceScope): preHandlerAsyncHookHandler => {
      const self = opts.serviceAudience;
      // A route naming a scope this service does not grant would refuse every caller: fail at start-up.
      if (!self || !isServiceScope(self, scope)) {
        throw new Error(
          `requireService('${scope}'): ` +
            (self
              ? `the ${self} service grants no such scope; add it to SERVICE_SCOPES in @shop/contracts.`
              : "register jwtAuthPlugin with serviceAudience (this service's name) first."),
        );
      }
      return async function requireService(request: FastifyRequest) {
        request.service ??= await verifyService(request, self);
        if (!request.service.scopes.includes(scope)) throw insufficientScope(scope);
      };
    });
  },
  { name: 'platform-jwt-auth' },
);
