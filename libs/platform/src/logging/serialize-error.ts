import { stdSerializers } from 'pino';

/**
 * pino's error serializer (message, type, stack, code, causes and the other fields), minus the live objects
 * some libraries hang on their errors: pg puts the whole client (socket, parser, queues) on a pool error,
 * which would otherwise print as hundreds of lines. A class instance other than a Date becomes its name.
 */
export function serializeError(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(serialized)) {
    if (isLiveObject(value)) serialized[key] = `[${value.constructor.name}]`;
  }
  return serialized;
}

function isLiveObject(value: unknown): value is { constructor: { name: string } } {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date)
    return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype !== Object.prototype && prototype !== null;
}
