import Type from 'typebox';
import { defineEventContract } from './event-contract.ts';
import { MoneySchema } from './money.schemas.ts';

const source = 'order';
const topic = 'order-events';

const OrderLineSchema = Type.Object({
  productId: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: 1 }),
  unitPrice: MoneySchema,
});

/** A customer placed an order; stock reservation and payment follow. Subject: the order id. */
export const OrderPlacedV1 = defineEventContract({
  type: 'order.placed.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    customerId: Type.String({ minLength: 1 }),
    items: Type.Array(OrderLineSchema, { minItems: 1 }),
    total: MoneySchema,
  }),
});

/** The order was paid and its stock is committed. Subject: the order id. */
export const OrderConfirmedV1 = defineEventContract({
  type: 'order.confirmed.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    customerId: Type.String({ minLength: 1 }),
    paymentId: Type.String({ minLength: 1 }),
  }),
});

/** The order ended without being fulfilled; any reserved stock must be released. Subject: the order id. */
export const OrderCancelledV1 = defineEventContract({
  type: 'order.cancelled.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    customerId: Type.String({ minLength: 1 }),
    reason: Type.Union([
      Type.Literal('stock-unavailable'),
      Type.Literal('payment-failed'),
      Type.Literal('customer-requested'),
      Type.Literal('expired'),
    ]),
  }),
});

const StockLineSchema = Type.Object({
  productId: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: 1 }),
});

/**
 * The order's payment was captured; the product service now sells the stock held for it, answering
 * `inventory.committed.v1` or `inventory.commit-failed.v1`. Subject: the order id.
 */
export const OrderPaidV1 = defineEventContract({
  type: 'order.paid.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    customerId: Type.String({ minLength: 1 }),
    paymentId: Type.String({ minLength: 1 }),
    items: Type.Array(StockLineSchema, { minItems: 1 }),
    total: MoneySchema,
  }),
});

/**
 * A captured payment must go back: the order was cancelled or expired before it was paid, its stock could
 * not be sold, the payment is a second one, or its amount is not the order's. The payment service refunds
 * it and answers `payment.refunded.v1`. Subject: the order id.
 */
export const OrderRefundRequestedV1 = defineEventContract({
  type: 'order.refund-requested.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    customerId: Type.String({ minLength: 1 }),
    paymentId: Type.String({ minLength: 1 }),
    amount: MoneySchema,
    reason: Type.Union([
      Type.Literal('order-cancelled'),
      Type.Literal('stock-unavailable'),
      Type.Literal('amount-mismatch'),
      Type.Literal('duplicate-payment'),
    ]),
  }),
});

/** The order's payment was refunded in full; the order is REFUNDED. Subject: the order id. */
export const OrderRefundedV1 = defineEventContract({
  type: 'order.refunded.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    customerId: Type.String({ minLength: 1 }),
    paymentId: Type.String({ minLength: 1 }),
    refundId: Type.String({ minLength: 1 }),
    amount: MoneySchema,
  }),
});
