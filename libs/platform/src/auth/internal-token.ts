import { createHash, timingSafeEqual } from 'node:crypto';
import { PlatformErrors } from '../errors/app-error.ts';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

export const INTERNAL_TOKEN_HEADER = 'x-internal-token';

/**
 * The token every service uses outside production, so the embedded start needs no setup. Published here
 * on purpose: each service's config refuses it in production (requiredInProduction's `refused`).
 */
export const DEV_INTERNAL_API_TOKEN = 'dev-internal-token-not-for-production-use';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Until service tokens replace it (client credentials from the auth service), the one shared secret of
 * the internal routes. onRequest hook for routes only other services may call: the caller must send the shared secret. Both
 * sides are hashed first so the comparison is constant-time whatever the length of what was sent.
 */
export function requireInternalToken(token: string): onRequestAsyncHookHandler {
  const expected = digest(token);
  return async function internalOnly(request: FastifyRequest) {
    const sent = request.headers[INTERNAL_TOKEN_HEADER];
    if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), expected)) {
      throw PlatformErrors.unauthorized(
        `This internal route needs the service token in the ${INTERNAL_TOKEN_HEADER} header.`,
      );
    }
  };
}
