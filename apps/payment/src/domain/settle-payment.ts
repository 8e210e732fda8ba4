import { PaymentFailedV1, PaymentSucceededV1 } from '@shop/contracts';
import type { Payment } from './payment.ts';
import type { PaymentUnitOfWork } from './ports.ts';
import type { ProviderCharge } from './provider.ts';

/**
 * Applies what the provider says of a payment's charge, in the caller's transaction: the route's third
 * phase, the completer and the webhook all come through here. Only a payment still `processing` changes
 * (a conditional UPDATE), so its outcome and its event are written exactly once whoever gets there first;
 * the others get null. A charge still processing only records its id.
 */
export async function settleIn(
  uow: PaymentUnitOfWork,
  paymentId: string,
  charge: ProviderCharge,
  now: Date,
): Promise<Payment | null> {
  if (charge.status === 'processing') {
    await uow.payments.recordCharge(paymentId, charge.id, now);
    return null;
  }
  const settled = await uow.payments.settle(
    paymentId,
    {
      status: charge.status,
      providerChargeId: charge.id,
      failureCode: charge.status === 'failed' ? (charge.failureCode ?? 'card_declined') : null,
    },
    now,
  );
  if (settled === null) return null;
  await publishOutcome(uow, settled);
  return settled;
}

/** A final outcome the provider decided without a charge (it refused the request): failed, once. */
export async function failIn(
  uow: PaymentUnitOfWork,
  paymentId: string,
  failureCode: string,
  now: Date,
  options: { publish: boolean },
): Promise<Payment | null> {
  const settled = await uow.payments.settle(
    paymentId,
    { status: 'failed', providerChargeId: null, failureCode },
    now,
  );
  if (settled !== null && options.publish) await publishOutcome(uow, settled);
  return settled;
}

async function publishOutcome(uow: PaymentUnitOfWork, payment: Payment): Promise<void> {
  if (payment.status === 'succeeded') {
    await uow.publish(PaymentSucceededV1, payment.orderId, {
      paymentId: payment.id,
      orderId: payment.orderId,
      amount: payment.amount,
    });
  } else if (payment.status === 'failed') {
    await uow.publish(PaymentFailedV1, payment.orderId, {
      paymentId: payment.id,
      orderId: payment.orderId,
      amount: payment.amount,
      reason: payment.failureCode ?? 'card_declined',
    });
  }
}
