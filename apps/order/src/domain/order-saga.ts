import {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPaidV1,
  OrderRefundedV1,
  OrderRefundRequestedV1,
  type Money,
} from '@shop/contracts';
import type { CancelReason, Order, OrderStatus, RefundReason } from './order.ts';
import type { OrderUnitOfWork } from './ports.ts';

/**
 * The order's side of the checkout saga. Each reaction runs in the transaction that records the event
 * in the shard's inbox, with the order row locked, so a redelivered or concurrent event changes nothing
 * twice. The invariant every reaction keeps: a paid order ends CONFIRMED or REFUNDED. A payment that
 * cannot be kept (the order was cancelled or expired meanwhile, it is a second payment, or its amount is
 * not the order's) is handed back with a refund request, never dropped.
 */

export interface PaymentSucceeded {
  orderId: string;
  paymentId: string;
  amount: Money;
}

export interface PaymentFailed {
  orderId: string;
  paymentId: string;
  reason: string;
}

export interface PaymentRefunded {
  orderId: string;
  paymentId: string;
  refundId: string;
  amount: Money;
}

/** What a reaction did, for logs and tests. */
export type SagaOutcome =
  | { kind: 'transitioned'; from: OrderStatus; to: OrderStatus }
  | { kind: 'refund-requested'; reason: RefundReason }
  | { kind: 'unchanged'; why: string }
  | { kind: 'unknown-order' };

const sameMoney = (a: Money, b: Money) => a.amount === b.amount && a.currency === b.currency;

function changed(order: Order, now: Date, changes: Partial<Order>): Order {
  return { ...order, ...changes, version: order.version + 1, updatedAt: now };
}

/** Hands a payment back, once per payment whatever is redelivered; false when it already was. */
async function requestRefund(
  uow: OrderUnitOfWork,
  order: Order,
  payment: { paymentId: string; amount: Money },
  reason: RefundReason,
  now: Date,
): Promise<boolean> {
  const first = await uow.orders.recordRefundRequest({
    orderId: order.id,
    paymentId: payment.paymentId,
    reason,
    amount: payment.amount,
    requestedAt: now,
  });
  if (!first) return false;
  await uow.publish(OrderRefundRequestedV1, order.id, {
    orderId: order.id,
    customerId: order.customerId,
    paymentId: payment.paymentId,
    amount: payment.amount,
    reason,
  });
  return true;
}

async function transition(
  uow: OrderUnitOfWork,
  order: Order,
  now: Date,
  changes: Partial<Order> & { status: OrderStatus },
): Promise<SagaOutcome> {
  await uow.orders.save(changed(order, now, changes));
  return { kind: 'transitioned', from: order.status, to: changes.status };
}

/** A payment the order does not keep: refunded, and the order stays as it is. */
async function handBack(
  uow: OrderUnitOfWork,
  order: Order,
  payment: PaymentSucceeded,
  reason: RefundReason,
  now: Date,
): Promise<SagaOutcome> {
  const first = await requestRefund(uow, order, payment, reason, now);
  return first
    ? { kind: 'refund-requested', reason }
    : { kind: 'unchanged', why: 'its refund is already requested' };
}

/** payment.succeeded.v1: PENDING_PAYMENT -> PAID, and ask the product service to sell the held stock. */
export async function onPaymentSucceeded(
  uow: OrderUnitOfWork,
  payment: PaymentSucceeded,
  now: Date,
): Promise<SagaOutcome> {
  const order = await uow.orders.lock(payment.orderId);
  if (order === null) return { kind: 'unknown-order' };
  if (order.paymentId === payment.paymentId)
    return { kind: 'unchanged', why: 'this payment is already recorded' };

  if (order.status === 'PENDING_PAYMENT') {
    if (!sameMoney(order.total, payment.amount)) return handBack(uow, order, payment, 'amount-mismatch', now);
    await uow.publish(OrderPaidV1, order.id, {
      orderId: order.id,
      customerId: order.customerId,
      paymentId: payment.paymentId,
      items: order.lines.map(({ productId, quantity }) => ({ productId, quantity })),
      total: order.total,
    });
    return transition(uow, order, now, { status: 'PAID', paymentId: payment.paymentId, reason: null });
  }
  if (order.status === 'CANCELLED') {
    // Paid after it was cancelled or expired: its stock is gone back on sale, so the money goes back.
    await requestRefund(uow, order, payment, 'order-cancelled', now);
    return transition(uow, order, now, {
      status: 'REFUND_PENDING',
      paymentId: payment.paymentId,
      reason: 'order-cancelled',
    });
  }
  // Already paid by another payment: keep the first, refund this one.
  return handBack(uow, order, payment, 'duplicate-payment', now);
}

/**
 * payment.failed.v1: the order stays PENDING_PAYMENT, so the customer can try another card while the
 * stock is held; the failure is recorded for the order page. The expiry sweep cancels it if it is never paid.
 */
export async function onPaymentFailed(
  uow: OrderUnitOfWork,
  payment: PaymentFailed,
  now: Date,
): Promise<SagaOutcome> {
  const order = await uow.orders.lock(payment.orderId);
  if (order === null) return { kind: 'unknown-order' };
  if (order.status !== 'PENDING_PAYMENT') return { kind: 'unchanged', why: `the order is ${order.status}` };
  await uow.orders.save(changed(order, now, { reason: `payment-failed: ${payment.reason}`.slice(0, 200) }));
  return { kind: 'unchanged', why: 'still waiting for a payment' };
}

/** inventory.committed.v1: the stock is sold, PAID -> CONFIRMED. */
export async function onStockCommitted(
  uow: OrderUnitOfWork,
  orderId: string,
  now: Date,
): Promise<SagaOutcome> {
  const order = await uow.orders.lock(orderId);
  if (order === null) return { kind: 'unknown-order' };
  if (order.status !== 'PAID') return { kind: 'unchanged', why: `the order is ${order.status}` };
  await uow.publish(OrderConfirmedV1, order.id, {
    orderId: order.id,
    customerId: order.customerId,
    paymentId: order.paymentId!,
  });
  return transition(uow, order, now, { status: 'CONFIRMED' });
}

/** inventory.commit-failed.v1: the hold lapsed and the units were sold; PAID -> REFUND_PENDING. */
export async function onStockCommitFailed(
  uow: OrderUnitOfWork,
  orderId: string,
  now: Date,
): Promise<SagaOutcome> {
  const order = await uow.orders.lock(orderId);
  if (order === null) return { kind: 'unknown-order' };
  if (order.status !== 'PAID') return { kind: 'unchanged', why: `the order is ${order.status}` };
  await requestRefund(
    uow,
    order,
    { paymentId: order.paymentId!, amount: order.total },
    'stock-unavailable',
    now,
  );
  return transition(uow, order, now, { status: 'REFUND_PENDING', reason: 'stock-unavailable' });
}

/**
 * payment.refunded.v1: counts refunds of the order's own payment; once they cover the total the order is
 * REFUNDED. A refund of a stray payment (a duplicate, a wrong amount) leaves the order as it is.
 */
export async function onPaymentRefunded(
  uow: OrderUnitOfWork,
  refund: PaymentRefunded,
  now: Date,
): Promise<SagaOutcome> {
  const order = await uow.orders.lock(refund.orderId);
  if (order === null) return { kind: 'unknown-order' };
  if (order.paymentId !== refund.paymentId) return { kind: 'unchanged', why: 'a refund of another payment' };
  if (order.status === 'REFUNDED') return { kind: 'unchanged', why: 'already refunded' };
  const refunded = {
    amount: Math.min(order.total.amount, order.refunded.amount + refund.amount.amount),
    currency: order.total.currency,
  };
  if (refunded.amount < order.total.amount) {
    await uow.orders.save(changed(order, now, { refunded }));
    return { kind: 'unchanged', why: 'partly refunded' };
  }
  await uow.publish(OrderRefundedV1, order.id, {
    orderId: order.id,
    customerId: order.customerId,
    paymentId: refund.paymentId,
    refundId: refund.refundId,
    amount: refunded,
  });
  return transition(uow, order, now, { status: 'REFUNDED', refunded });
}

/** PENDING_PAYMENT -> CANCELLED, releasing the held stock through `order.cancelled.v1`. */
export async function cancel(
  uow: OrderUnitOfWork,
  order: Order,
  reason: CancelReason,
  now: Date,
): Promise<Order> {
  const cancelled = changed(order, now, { status: 'CANCELLED', reason });
  await uow.orders.save(cancelled);
  await uow.publish(OrderCancelledV1, order.id, { orderId: order.id, customerId: order.customerId, reason });
  return cancelled;
}
