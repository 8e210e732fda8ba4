import type { Money } from '@shop/contracts';

export type PaymentStatus = 'processing' | 'succeeded' | 'failed';
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/** Why a payment failed without the provider deciding: it was not reached (breaker open, refused connection). */
export const PROVIDER_UNAVAILABLE = 'provider_unavailable';

/**
 * One attempt to pay one order. `processing` until the provider's outcome is known (an answer, the completer
 * or a webhook settles it, once); amounts are integer minor units.
 */
export interface Payment {
  id: string;
  orderId: string;
  customerId: string;
  status: PaymentStatus;
  amount: Money;
  paymentMethod: string;
  provider: string;
  providerChargeId: string | null;
  failureCode: string | null;
  /** Refunded for good. */
  refundedAmount: number;
  /** Held by refunds the provider has not confirmed yet. */
  refundPendingAmount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Refund {
  id: string;
  paymentId: string;
  amount: Money;
  reason: string;
  /** The order saga's request (`order:<reason>`), or null for a refund asked for over HTTP. */
  requestKey: string | null;
  requestedBy: string;
  status: RefundStatus;
  providerRefundId: string | null;
  failureCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What is left to refund of a payment. */
export function refundable(payment: Payment): number {
  return payment.status === 'succeeded'
    ? payment.amount.amount - payment.refundedAmount - payment.refundPendingAmount
    : 0;
}

/** The provider's idempotency key of a payment: derived from it, never the client's key. */
export const chargeKeyOf = (paymentId: string) => `payment_${paymentId}`;
export const refundKeyOf = (refundId: string) => `refund_${refundId}`;
