import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long (default 60 s: generous, since only a failing test ever waits it out). */
  timeoutMs?: number;
  /** Pause between attempts (default 25 ms). */
  intervalMs?: number;
}

/**
 * Polls `probe` until it passes, for what happens asynchronously (a replica dropping its copy, a relay
 * publishing): it passes when it neither throws nor returns `false`, and its last value is returned, so
 * `() => rows.length > 0 && rows` waits for rows and an assertion-style probe waits for the assertion.
 * Bounded, so a broken pipeline fails the test naming `what` instead of hanging it.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, false>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let failure: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== false) return value as Exclude<T, false>;
      failure = undefined;
    } catch (error) {
      failure = error;
    }
    if (Date.now() >= deadline) break;
    await delay(options.intervalMs ?? 25);
  }
  const last = failure instanceof Error ? ` (last failure: ${failure.message})` : '';
  throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}${last}.`, { cause: failure });
}
