import { parseItem } from 'structured-headers';
import { IdempotencyErrors } from './idempotency.errors.ts';

/** The longest key accepted, as Stripe documents (the draft sets no limit). */
export const MAX_KEY_LENGTH = 255;

// The draft defines the field as a Structured Field String (RFC 8941): a quoted string of printable ASCII.
// Most clients (Stripe's SDKs, curl examples everywhere) send the key bare, e.g. a UUID unquoted, which is
// not a valid Item at all (a leading digit makes it a broken number). Both are accepted: the bare form is
// the characters a quoted string could hold except space, `"` and `\`, so it never needs unescaping and
// `abc` and `"abc"` name the same key.
const BARE_KEY = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The key named by an `Idempotency-Key` header value: the unquoted string. Throws the 400 problem for a
 * missing header and for an empty, overlong or malformed one, also when the header is repeated (Node joins
 * repeated headers with ", ", which neither form allows). Parameters (`"k";a=1`) are refused: the draft
 * defines none, and silently ignoring them would make two different header values the same key.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string {
  if (header === undefined) throw IdempotencyErrors.keyMissing();
  const key = typeof header === 'string' ? keyIn(header) : undefined;
  if (key === undefined || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw IdempotencyErrors.keyMalformed();
  }
  return key;
}

function keyIn(header: string): string | undefined {
  if (!header.startsWith('"')) return BARE_KEY.test(header) ? header : undefined;
  try {
    const [value, parameters] = parseItem(header);
    return typeof value === 'string' && parameters.size === 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
