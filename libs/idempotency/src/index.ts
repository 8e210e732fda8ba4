export {
  idempotencyPlugin,
  type IdempotencyOptions,
  type IdempotencyRouteOptions,
  type IdempotentRequest,
  type IdempotentResponse,
} from './idempotency.plugin.ts';
export {
  IDEMPOTENCY_KEYS_COLUMNS,
  IDEMPOTENCY_KEYS_TABLE,
  IDEMPOTENCY_LIMITS,
  type IdempotencyStore,
  type SqlTransaction,
} from './idempotency-store.ts';
export { IdempotencyErrors } from './idempotency.errors.ts';
export { MAX_KEY_LENGTH, parseIdempotencyKey } from './idempotency-key.ts';
export { requestFingerprint, type RequestShape } from './fingerprint.ts';
export type { IdempotencyOutcome } from './idempotency.metrics.ts';
