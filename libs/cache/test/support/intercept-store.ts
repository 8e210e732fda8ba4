import type { CacheStore } from '../../src/index.ts';

type Method = (...args: never[]) => unknown;

/**
 * The real store, with chosen methods replaced: each override gets the original method (bound to
 * the store) and the call's arguments. Lets a test count calls or widen a race window.
 */
export function interceptStore(
  store: CacheStore,
  overrides: Partial<Record<keyof CacheStore, (original: Method, ...args: never[]) => unknown>>,
): CacheStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      const original = (value as Method).bind(target);
      const override = overrides[property as keyof CacheStore];
      return override === undefined ? original : (...args: never[]) => override(original, ...args);
    },
  });
}
