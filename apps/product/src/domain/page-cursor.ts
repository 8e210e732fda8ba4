import { ProductErrors } from './product.errors.ts';

// Cursors are base64url JSON, decoded strictly rather than signed: they hold only where the last page ended
// (a sort value and an id) and which query it was, both things a client may choose anyway through filters,
// so forging one gains nothing. What must never happen is a value reaching SQL that its column cannot take,
// and checking each field against its column rules that out; a signing key would add a secret to rotate
// and a 400 for every cursor in flight at each rotation, and the values would still need checking.

/** The cursor as a query string carries it: base64url, no padding. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]{1,512}$';

const INT4_MAX = 2_147_483_647;
// `real` (float4) refuses non-zero values smaller than its least normal one as well as larger than its most.
const FLOAT4_MIN_NORMAL = 1.1754943508222875e-38;
const FLOAT4_MAX = 3.4028234663852886e38;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Exactly what Date#toISOString writes, four-digit years only: every such instant fits `timestamptz`.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(body: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * The cursor's fields, if it is base64url of a JSON object with exactly `keys`; anything else (bad
 * base64, other JSON, missing or extra fields) is a 400 that says to start from the first page.
 */
export function decodeCursor<Key extends string>(cursor: string, keys: readonly Key[]): Record<Key, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ProductErrors.invalidCursor();
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ProductErrors.invalidCursor();
  const present = Object.keys(body).sort();
  if (present.join() !== [...keys].sort().join()) throw ProductErrors.invalidCursor();
  return body as Record<Key, unknown>;
}

export const isRowId = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export const isInt4 = (value: unknown): value is number =>
  Number.isInteger(value) && Math.abs(value as number) <= INT4_MAX;

export const isFloat4 = (value: unknown): value is number =>
  typeof value === 'number' &&
  (value === 0 || (Math.abs(value) >= FLOAT4_MIN_NORMAL && Math.abs(value) <= FLOAT4_MAX));

export const isInstant = (value: unknown): value is string =>
  typeof value === 'string' &&
  ISO_INSTANT.test(value) &&
  !Number.isNaN(Date.parse(value)) &&
  new Date(value).toISOString() === value;
