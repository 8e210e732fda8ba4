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
