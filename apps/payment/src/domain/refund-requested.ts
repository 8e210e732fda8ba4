import { refundable, type Refund } from './payment.ts';
import type { PaymentDeps, PaymentUnitOfWork } from './ports.ts';
import { executeRefund, reserveRefundIn } from './refund-payment.ts';
import type { Money } from '@shop/contracts';

export interface RefundRequest {
  paymentId: string;
  orderId: string;
  amount: Money;
  reason: string;
}

export type RefundRequestOutcome =
  | { kind: 'reserved'; refund: Refund }
  | { kind: 'unknown-payment' }
  | { kind: 'mismatch'; why: string }
  | { kind: 'nothing-left' };

/**
 * The order saga asks for a payment back (order.refund-requested.v1). In the inbox's transaction, the
 * refund is reserved under the request's key (`order:<reason>`), so a redelivery, even one the inbox missed,
 * finds the refund it made instead of making a second; the provider is called once that transaction has
 * committed, through the same code path as a refund asked for over HTTP (the completer finishes it after
 * a crash).
 */
export async function refundRequestedIn(
  uow: PaymentUnitOfWork,
  deps: PaymentDeps,
  request: RefundRequest,
): Promise<RefundRequestOutcome> {
  const payment = await uow.payments.lock(request.paymentId);
  if (payment === null) return { kind: 'unknown-payment' };
  if (payment.orderId !== request.orderId || payment.amount.currency !== request.amount.currency)
    return {
      kind: 'mismatch',
      why: `payment ${payment.id} is of order ${payment.orderId} in ${payment.amount.currency}`,
    };
  const requestKey = `order:${request.reason}`;
  const known = await uow.payments.findRefundByRequest(payment.id, requestKey);
  const left = refundable(payment);
  if (known === null && (payment.status !== 'succeeded' || left === 0)) return { kind: 'nothing-left' };
  const refund = await reserveRefundIn(
    uow,
    {
      refundId: known?.id ?? deps.newId(),
      paymentId: payment.id,
      amount: known?.amount.amount ?? Math.min(request.amount.amount, left),
      reason: request.reason,
      requestedBy: 'order-saga',
      requestKey,
    },
    deps.now(),
  );
  uow.afterCommit(async () => {
    await executeRefund(deps, refund).catch((error: unknown) =>
      deps.warn(error, 'a refund the order saga asked for is not finished yet; the completer retries it', {
        refundId: refund.id,
      }),
    );
  });
  return { kind: 'reserved', refund };
}
