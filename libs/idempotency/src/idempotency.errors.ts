import { defineError } from '@shop/platform';

/** The problems this plugin answers with, rendered as problem+json by the platform's error handler. */
export const IdempotencyErrors = {
  keyMissing: defineError(
    'IDEMPOTENCY_ERR_KEY_MISSING',
    400,
    'This operation requires an Idempotency-Key header: send a new unique value (a UUID) for each operation, and the same value when retrying it.',
  ),
  keyMalformed: defineError(
    'IDEMPOTENCY_ERR_KEY_MALFORMED',
    400,
    'The Idempotency-Key header is malformed: send 1 to 255 printable ASCII characters, as a quoted string ("...") or bare (no spaces, quotes or backslashes), in a single header.',
  ),
  keyReused: defineError(
    'IDEMPOTENCY_ERR_KEY_REUSED',
    422,
    'This Idempotency-Key was already used for a different request; send a new key for a new operation, or retry with exactly the original request.',
  ),
  inFlight: defineError(
    'IDEMPOTENCY_ERR_IN_FLIGHT',
    409,
    'A request with this Idempotency-Key is still being processed; retry after the Retry-After delay to get its response.',
  ),
};
