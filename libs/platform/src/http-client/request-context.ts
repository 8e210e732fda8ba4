import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

/** Runs `fn` with the inbound request id visible to outbound calls made during it. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run(requestId, fn);
}

/** The request id of the inbound request being served, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore();
}
