import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `probe` until it returns something other than undefined/false, then returns it. Bounded so a
 * broken pipeline fails the test with `what` instead of hanging it.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await delay(50);
  }
  throw new Error(
    `Timed out after ${timeoutMs / 1000}s waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}.`,
  );
}
