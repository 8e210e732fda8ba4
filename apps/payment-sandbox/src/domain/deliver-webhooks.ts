import type { WebhookQueue, WebhookSender } from './ports.ts';

export interface DeliveryPolicy {
  maxAttempts: number;
  /** The wait after the first failed attempt; doubled after each one, at most an hour. */
  retryBaseMs: number;
  /** How long a claimed event is held by this deliverer (longer than a send may take). */
  leaseMs: number;
  batchSize: number;
}

const MAX_RETRY_DELAY_MS = 3_600_000;

/** When attempt `attempts` (1-based) failed at `now`, the next try, or null when it was the last one allowed. */
export function nextAttemptAt(now: Date, attempts: number, policy: DeliveryPolicy): Date | null {
  if (attempts >= policy.maxAttempts) return null;
  const delay = Math.min(MAX_RETRY_DELAY_MS, policy.retryBaseMs * 2 ** (attempts - 1));
  return new Date(now.getTime() + delay);
}

/**
 * Sends the due webhooks once each: a 2xx marks one delivered; anything else schedules it again with
 * exponential backoff, until its attempts run out and it is marked failed. Resolves to how many were tried.
 */
export async function deliverDueWebhooks(
  deps: { queue: WebhookQueue; sender: WebhookSender; now(): Date },
  policy: DeliveryPolicy,
): Promise<number> {
  const due = await deps.queue.claimDue(deps.now(), policy.leaseMs, policy.batchSize);
  await Promise.all(
    due.map(async (event) => {
      const failure = await deps.sender.send(event.payload);
      const now = deps.now();
      if (failure === undefined) return deps.queue.markDelivered(event.id, now);
      const attempts = event.attempts + 1;
      return deps.queue.markAttemptFailed(event.id, attempts, nextAttemptAt(now, attempts, policy), failure);
    }),
  );
  return due.length;
}
