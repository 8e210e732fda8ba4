// Compared lower-cased, so `Authorization` and `authorization` are both caught.
const SECRET_KEYS = new Set([
  'password',
  'newpassword',
  'currentpassword',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'apikey',
  'x-api-key',
  'secret',
  'clientsecret',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'cardnumber',
  'pan',
  'cvc',
  'cvv',
]);
// Keys that are only secret inside a particular parent, e.g. `card.number`.
const SECRET_KEYS_UNDER: Record<string, ReadonlySet<string>> = { card: new Set(['number']) };
// Deep enough for `req.headers.authorization` inside a wrapper object; a cycle stops here too.
const MAX_DEPTH = 8;

const REDACTED = '[redacted]';

function isSecret(key: string, parentKey: string | undefined): boolean {
  const lower = key.toLowerCase();
  if (SECRET_KEYS.has(lower)) return true;
  return parentKey !== undefined && SECRET_KEYS_UNDER[parentKey.toLowerCase()]?.has(lower) === true;
}

// Class instances (a Fastify request, a Buffer, a Date) are left to their serializers or toJSON.
function isWalkable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value) || value instanceof Error) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// Keeps the prototype and own properties, so a copied Error is still an Error to pino's err serializer.
function copyOf(value: object): object {
  if (Array.isArray(value)) return [...(value as unknown[])];
  const descriptors: Record<string, PropertyDescriptor> = Object.getOwnPropertyDescriptors(value);
  // V8's `stack` is an accessor bound to the original error: the copy keeps its value instead.
  for (const [key, descriptor] of Object.entries(descriptors)) {
    if (!descriptor.get) continue;
    const own = (value as Record<string, unknown>)[key];
    descriptors[key] = { value: own, enumerable: descriptor.enumerable, writable: true, configurable: true };
  }
  return Object.create(Object.getPrototypeOf(value) as object | null, descriptors) as object;
}

function replace(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function redactIn(value: unknown, parentKey: string | undefined, depth: number): unknown {
  if (depth >= MAX_DEPTH || !isWalkable(value)) return value;
  const isArray = Array.isArray(value);
  let copy: object | undefined;
  for (const key of Object.keys(value)) {
    const current = (value as Record<string, unknown>)[key];
    // An array's items are judged under the array's own key, as if each stood there alone.
    const next =
      !isArray && isSecret(key, parentKey)
        ? REDACTED
        : redactIn(current, isArray ? parentKey : key, depth + 1);
    if (next === current) continue;
    copy ??= copyOf(value);
    replace(copy, key, next);
  }
  return copy ?? value;
}

/**
 * Returns `value` with the value of every secret key (passwords, tokens, API keys, auth and cookie
 * headers, card data), at any depth of plain objects, arrays and errors, replaced by `[redacted]`.
 * Only the objects on the way to a secret are copied; the caller's objects are never changed.
 */
export function redactSecrets<T>(value: T): T {
  return redactIn(value, undefined, 0) as T;
}
