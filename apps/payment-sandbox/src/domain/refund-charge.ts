import type { Refund } from './charge.ts';
import { SandboxErrors } from './payment-sandbox.errors.ts';
import type { SandboxDeps, SandboxStore } from './ports.ts';
import { recordEvent } from './webhook-events.ts';

export interface RefundInput {
  chargeId: string;
  /** Absent: what is left of the charge. */
  amount?: number;
  reason?: string;
}

/**
 * Refunds part or all of a succeeded charge. The charge row is locked for the check and the update, so
 * refunds of one charge run one after another and never add up to more than it captured.
 */
export async function refundCharge(
  deps: Pick<SandboxDeps, 'newId' | 'now'>,
  store: SandboxStore,
  id: string,
  input: RefundInput,
): Promise<Refund> {
  const charge = await store.charges.lock(input.chargeId);
  if (charge === null) throw SandboxErrors.chargeNotFound(`No charge has the id ${input.chargeId}.`);
  if (charge.status !== 'succeeded') {
    throw SandboxErrors.chargeNotRefundable(
      `Charge ${charge.id} is ${charge.status}; only a succeeded charge can be refunded.`,
    );
  }
  const left = charge.amount - charge.amountRefunded;
  if (left === 0)
    throw SandboxErrors.chargeAlreadyRefunded(`Charge ${charge.id} is already refunded in full.`);
  const amount = input.amount ?? left;
  if (amount > left) {
    throw SandboxErrors.refundTooLarge(
      `A refund of ${amount} is more than the ${left} left of charge ${charge.id} (amount ${charge.amount}, ` +
        `refunded ${charge.amountRefunded}); refund at most ${left}.`,
    );
  }
  const now = deps.now();
  const refund: Refund = { id, chargeId: charge.id, amount, reason: input.reason ?? null, createdAt: now };
  await store.refunds.insert(refund);
  const refunded = await store.charges.addRefunded(charge.id, amount);
  await recordEvent(store, deps, 'charge.refunded', refunded, now);
  return refund;
}
