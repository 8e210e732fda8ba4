import { chargeRequestOf } from './pay-order.ts';
import { executeRefund } from './refund-payment.ts';
import type { Payment } from './payment.ts';
import type { PaymentDeps } from './ports.ts';
import { ProviderRequestRefusedError, type ProviderCharge } from './provider.ts';
import { failIn, settleIn } from './settle-payment.ts';

export interface CompleterSettings {
  /** A payment or refund is the completer's once it has not changed for this long. */
  afterMs: number;
  batchSize: number;
}

async function askProvider(deps: PaymentDeps, payment: Payment): Promise<ProviderCharge | null> {
  // The same derived key returns the charge the first attempt made (or makes the one it never got to).
  if (payment.providerChargeId === null) return deps.provider.charge(chargeRequestOf(payment));
  return deps.provider.getCharge(payment.providerChargeId);
}

/**
 * One round of the completer: payments left `processing` (a timeout, a crash between the phases, a
 * `processing` answer whose webhook was lost) are settled with what the provider says now, through the
 * same conditional write as the route and the webhook, so the outcome and its event are written once.
 * Answers how many it settled; one still processing is touched so the next round skips it for a while.
 */
export async function settleStuckPayments(deps: PaymentDeps, settings: CompleterSettings): Promise<number> {
  const before = new Date(deps.now().getTime() - settings.afterMs);
  let settled = 0;
  for (const payment of await deps.payments.stuckProcessing(before, settings.batchSize)) {
    try {
      const charge = await askProvider(deps, payment);
      const outcome = await deps.transactions.run(async (uow) => {
        if (charge === null) {
          await uow.payments.recordCharge(payment.id, payment.providerChargeId, deps.now());
          return null;
        }
        return settleIn(uow, payment.id, charge, deps.now());
      });
      if (charge === null)
        deps.warn(
          undefined,
          'the provider has no charge for a processing payment; reconciliation reports it',
          {
            paymentId: payment.id,
            chargeId: payment.providerChargeId,
          },
        );
      if (outcome !== null) settled += 1;
    } catch (error) {
      if (error instanceof ProviderRequestRefusedError) {
        const failed = await deps.transactions.run((uow) =>
          failIn(uow, payment.id, error.code, deps.now(), { publish: false }),
        );
        if (failed !== null) settled += 1;
        continue;
      }
      // Unavailable or still unknown: the next round asks again.
      deps.warn(error, 'the completer could not settle a payment yet; it retries', { paymentId: payment.id });
    }
  }
  return settled;
}

/** One round for refunds left pending (a timeout, a crash after the reservation): same key, same refund. */
export async function finishStuckRefunds(deps: PaymentDeps, settings: CompleterSettings): Promise<number> {
  const before = new Date(deps.now().getTime() - settings.afterMs);
  let finished = 0;
  for (const refund of await deps.payments.stuckRefunds(before, settings.batchSize)) {
    try {
      const after = await executeRefund(deps, refund);
      if (after.status !== 'pending') finished += 1;
      else
        await deps.transactions.run((uow) =>
          uow.payments.setRefundStatus(refund.id, 'pending', { status: 'pending' }, deps.now()),
        );
    } catch (error) {
      // A refused or unreachable refund released its amount (executeRefund recorded that): settled too.
      if ((await deps.payments.findRefund(refund.id))?.status !== 'pending') finished += 1;
      else
        deps.warn(error, 'the completer could not finish a refund yet; it retries', { refundId: refund.id });
    }
  }
  return finished;
}
