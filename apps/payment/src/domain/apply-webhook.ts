import { PaymentErrors } from './payment.errors.ts';
import type { PaymentDeps } from './ports.ts';
import { ProviderWebhookRejectedError } from './provider.ts';
import { settleIn } from './settle-payment.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface WebhookOutcome {
  eventId: string;
  /** Whether the event changed a payment (false: it was settled already, or names no payment of ours). */
  applied: boolean;
}

/**
 * A provider webhook: verified over the raw body (a missing, forged or stale signature changes nothing),
 * recorded by event id in the same transaction as its effect (a replay is refused), then applied to the
 * payment through the completer's conditional write, so whichever of them comes first settles it once.
 * Refund events change nothing: refunds are recorded when the provider answers their request.
 */
export async function applyWebhook(
  deps: PaymentDeps,
  rawBody: string,
  signature: string | undefined,
): Promise<WebhookOutcome> {
  let event;
  try {
    event = deps.provider.verifyWebhook(rawBody, signature, deps.now());
  } catch (error) {
    if (error instanceof ProviderWebhookRejectedError)
      throw PaymentErrors.webhookRejected(`The webhook was refused: ${error.message}. Nothing was changed.`, {
        cause: error,
      });
    throw error;
  }
  const { id, type, charge } = event;
  return deps.transactions.run(async (uow) => {
    if (!(await uow.payments.recordWebhookEvent(deps.provider.name, id, type)))
      throw PaymentErrors.webhookReplayed(undefined, { extensions: { eventId: id } });
    if (type === 'charge.refunded' || !UUID.test(charge.reference)) return { eventId: id, applied: false };
    const payment = await uow.payments.lock(charge.reference);
    if (payment === null) {
      deps.warn(undefined, 'a webhook names a charge of no payment of ours; reconciliation reports it', {
        eventId: id,
        chargeId: charge.id,
      });
      return { eventId: id, applied: false };
    }
    const settled = await settleIn(uow, payment.id, charge, deps.now());
    return { eventId: id, applied: settled !== null };
  });
}
