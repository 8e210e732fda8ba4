import { chargeView, type Charge } from './charge.ts';
import type { SandboxStore, WebhookEventType } from './ports.ts';

/** Records the event of a charge's change in the change's own transaction, so none is ever lost. */
export async function recordEvent(
  store: SandboxStore,
  deps: { newId(prefix: string): string },
  type: WebhookEventType,
  charge: Charge,
  now: Date,
): Promise<void> {
  if (!store.webhooks.enabled) return;
  const id = deps.newId('evt');
  const body = { id, type, created: Math.floor(now.getTime() / 1000), data: { object: chargeView(charge) } };
  await store.webhooks.add({ id, type, payload: JSON.stringify(body), createdAt: now });
}

export const finalEventOf = (charge: Charge): WebhookEventType | undefined =>
  charge.status === 'succeeded'
    ? 'charge.succeeded'
    : charge.status === 'failed'
      ? 'charge.failed'
      : undefined;
