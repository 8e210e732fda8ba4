import type { Payment, Refund } from '../../domain/payment.ts';

export const paymentView = (payment: Payment) => ({
  id: payment.id,
  orderId: payment.orderId,
  customerId: payment.customerId,
  status: payment.status,
  amount: payment.amount,
  refunded: { amount: payment.refundedAmount, currency: payment.amount.currency },
  failureReason: payment.failureCode,
  paymentMethod: payment.paymentMethod,
  createdAt: payment.createdAt.toISOString(),
  updatedAt: payment.updatedAt.toISOString(),
});

export const refundView = (refund: Refund) => ({
  id: refund.id,
  paymentId: refund.paymentId,
  amount: refund.amount,
  reason: refund.reason,
  status: refund.status,
  failureReason: refund.failureCode,
  createdAt: refund.createdAt.toISOString(),
  updatedAt: refund.updatedAt.toISOString(),
});
