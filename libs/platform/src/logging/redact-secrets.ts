// A key is secret when, lower-cased, it contains one of these (`newPassword`, `x-internal-token`,
// `AWS_SECRET_ACCESS_KEY`, `x-api-key`) or is one of the exact names below.
const SECRET_PARTS = ['password', 'passwd', 'token', 'secret', 'credential', 'apikey', 'api-key', 'api_key'];
const SECRET_KEYS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'privatekey',
  'private_key',
  'cardnumber',
  'card_number',
  'pan',
  'cvc',
  'cvv',
]);
// Keys that are only secret inside a particular parent, e.g. `card.number`.
const SECRET_KEYS_UNDER = new Map<string, ReadonlySet<string>>([['card', new Set(['number'])]]);
const SECRET_UNDER_SOME_PARENT = new Set([...SECRET_KEYS_UNDER.values()].flatMap((keys) => [...keys]));
// The private members of a JWK (RFC 7518 §6): secret in any object that has a `kty`. Case-sensitive, as JWK
// member names are.
const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']);
// Deep enough for `req.headers.authorization` inside a wrapper object; a cycle stops here too.
const MAX_DEPTH = 8;

const PLAIN = 0;
const SECRET = 1;
const DEPENDS_ON_PARENT = 2;
type Verdict = typeof PLAIN | typeof SECRET | typeof DEPENDS_ON_PARENT;
// Verdicts per key as written, so the hot path is one map lookup; bounded, since keys can come from input.
const MAX_CACHED_VERDICTS = 4_096;
const verdicts = new Map<string, Verdict>();

const REDACTED = '[redacted]';

function judge(key: string): Verdict {
  const lower = key.toLowerCase();
  if (SECRET_KEYS.has(lower) || SECRET_PARTS.some((part) => lower.includes(part))) return SECRET;
  return SECRET_UNDER_SOME_PARENT.has(lower) ? DEPENDS_ON_PARENT : PLAIN;
}

function isSecret(key: string, parentKey: string | undefined, inJwk: boolean): boolean {
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = judge(key);
    if (verdicts.size < MAX_CACHED_VERDICTS) verdicts.set(key, verdict);
  }
  if (verdict === SECRET) return true;
  if (inJwk && PRIVATE_JWK_MEMBERS.has(key)) return true;
  if (verdict === PLAIN || parentKey === undefined) return false;
  return SECRET_KEYS_UNDER.get(parentKey.toLowerCase())?.has(key.toLowerCase()) === true;
}

// Class instances (a Fastify request, a Buffer, a Date) are left to their serializers or toJSON.
function isWalkable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value) || value instanceof Error) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// An error's `cause` (and an AggregateError's `errors`) are own properties that are usually not
// enumerable, yet pino's error serializer prints them: they are walked too.
const HIDDEN_ERROR_KEYS = ['cause', 'errors'];

function keysOf(value: object): string[] {
  const keys = Object.keys(value);
  if (!(value instanceof Error)) return keys;
  for (const key of HIDDEN_ERROR_KEYS) {
    if (Object.hasOwn(value, key) && !Object.prototype.propertyIsEnumerable.call(value, key)) keys.push(key);
  }
  return keys;
}

// Keeps the prototype and own properties, so a copied Error is still an Error to pino's err serializer.
function copyOf(value: object): object {
  if (Array.isArray(value)) return [...(value as unknown[])];
  // A spread keeps plain objects in V8's fast mode; descriptors would turn the copy into a slow dictionary.
  if (!(value instanceof Error)) {
    return Object.getPrototypeOf(value) === null ? Object.assign(Object.create(null), value) : { ...value };
  }
  const descriptors: Record<string, PropertyDescriptor> = Object.getOwnPropertyDescriptors(value);
  // V8's `stack` is an accessor bound to the original error: the copy keeps its value instead.
  for (const [key, descriptor] of Object.entries(descriptors)) {
    if (!descriptor.get) continue;
    const own = (value as unknown as Record<string, unknown>)[key];
    descriptors[key] = { value: own, enumerable: descriptor.enumerable, writable: true, configurable: true };
  }
  return Object.create(Object.getPrototypeOf(value) as object | null, descriptors) as object;
}

function replace(target: object, key: string, value: unknown): void {
  // Plain assignment, except where it would mean something else: `__proto__`, and an error's own
  // (possibly non-enumerable, possibly read-only) properties.
  if (key !== '__proto__' && !(target instanceof Error)) {
    (target as Record<string, unknown>)[key] = value;
    return;
  }
  const enumerable = Object.prototype.propertyIsEnumerable.call(target, key);
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

function redactIn(value: unknown, parentKey: string | undefined, depth: number): unknown {
  if (depth >= MAX_DEPTH || !isWalkable(value)) return value;
  const isArray = Array.isArray(value);
  const inJwk = !isArray && typeof (value as { kty?: unknown }).kty === 'string';
  let copy: object | undefined;
  for (const key of keysOf(value)) {
    const current = (value as Record<string, unknown>)[key];
    // An array's items are judged under the array's own key, as if each stood there alone.
    const next =
      !isArray && isSecret(key, parentKey, inJwk)
        ? REDACTED
        : redactIn(current, isArray ? parentKey : key, depth + 1);
    if (next === current) continue;
    copy ??= copyOf(value);
    replace(copy, key, next);
  }
  return copy ?? value;
}

/**
 * Returns `value` with the value of every secret key replaced by `[redacted]`: keys containing
 * password, token, secret, credential or api key, auth and cookie headers, card data, and the private
 * members of JWKs; at any depth of plain objects, arrays and errors, error causes included. Only the
 * objects on the way to a secret are copied; the caller's objects are never changed.
 */
export function redactSecrets<T>(value: T): T {
  return redactIn(value, undefined, 0) as T;
}
