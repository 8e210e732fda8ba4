import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** What makes two requests "the same request" for one idempotency key. */
export interface RequestShape {
  method: string;
  /** The route pattern (`/api/v1/payments/:id/refunds`), not the URL. */
  route: string;
  /** Path parameters: the same body sent to another resource's route is a different request. */
  params: unknown;
  query: unknown;
  body: unknown;
}

/**
 * SHA-256 (hex) of the request's canonical JSON (RFC 8785: sorted keys, one spelling per number and
 * string), so a client re-serialising the same body with its keys in another order is the same request.
 * It covers the parsed (validated) input, not the raw bytes: insignificant whitespace does not count.
 */
export function requestFingerprint(shape: RequestShape): string {
  const canonical = canonicalize({
    method: shape.method,
    route: shape.route,
    params: shape.params ?? null,
    query: shape.query ?? null,
    body: shape.body ?? null,
  });
  return createHash('sha256')
    .update(canonical ?? '')
    .digest('hex');
}
