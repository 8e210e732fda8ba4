import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { PlatformErrors } from '../errors/app-error.ts';

export type Role = 'customer' | 'admin';

/** The authenticated caller, taken from a verified access token. */
export interface Caller {
  id: string;
  roles: readonly Role[];
  tokenId: string;
}

export interface JwtAuthOptions {
  issuer: string;
  audience: string;
  /** Where verification keys come from: `remoteJwks(url)` in services, the key ring itself in auth. */
  keys: JWTVerifyGetKey;
  /** Pinned signature algorithms (RFC 8725 §3.1): a token naming another algorithm is refused. */
  algorithms?: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyInstance {
    /** preHandler: 401 unless the request carries a valid access token. */
    authenticate: preHandlerAsyncHookHandler;
    /** preHandler: 401 without a valid token, 403 unless the caller has one of the roles. */
    requireRole(...roles: Role[]): preHandlerAsyncHookHandler;
  }
}

export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA'];

/** A JWKS fetched from the auth service, cached, and refetched when a token names an unknown `kid`. */
export function remoteJwks(url: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 3_000 });
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

function rolesFrom(claim: unknown): Role[] {
  if (!Array.isArray(claim)) return [];
  return claim.filter((r): r is Role => r === 'customer' || r === 'admin');
}

/** Verifies access tokens against a pinned algorithm, issuer and audience and exposes the caller. */
export const jwtAuthPlugin = fp(
  async (app: FastifyInstance, opts: JwtAuthOptions) => {
    const algorithms = opts.algorithms ?? ACCESS_TOKEN_ALGORITHMS;

    async function verify(request: FastifyRequest): Promise<Caller> {
      const token = bearerToken(request);
      if (!token) throw PlatformErrors.unauthorized('Send an access token as "Authorization: Bearer <token>".');
      try {
        const { payload } = await jwtVerify(token, opts.keys, {
          algorithms,
          issuer: opts.issuer,
          audience: opts.audience,
          requiredClaims: ['sub', 'exp', 'jti'],
        });
        return { id: payload.sub as string, roles: rolesFrom(payload['roles']), tokenId: payload.jti as string };
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) {
          throw PlatformErrors.unauthorized('The access token has expired; refresh it and retry.');
        }
        if (error instanceof joseErrors.JOSEError) {
          throw PlatformErrors.unauthorized('The access token is invalid.');
        }
        throw error;
      }
    }

    app.decorateRequest('caller', null);
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
  },
  { name: 'platform-jwt-auth' },
);
