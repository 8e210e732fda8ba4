import Type from 'typebox';
import { defineEventContract } from './event-contract.ts';
import { MoneySchema } from './money.schemas.ts';

const source = 'payment';
const topic = 'payment-events';

/** A payment for an order was captured. Subject: the order id, so one order's payment events stay ordered. */
export const PaymentSucceededV1 = defineEventContract({
  type: 'payment.succeeded.v1',
  source,
  topic,
  schema: Type.Object({
    paymentId: Type.String({ minLength: 1 }),
    orderId: Type.String({ minLength: 1 }),
    amount: MoneySchema,
  }),
});

/** A payment for an order was declined or could not be captured. Subject: the order id. */
export const PaymentFailedV1 = defineEventContract({
  type: 'payment.failed.v1',
  source,
  topic,
  schema: Type.Object({
    paymentId: Type.String({ minLength: 1 }),
    orderId: Type.String({ minLength: 1 }),
    amount: MoneySchema,
    reason: Type.String({ minLength: 1 }),
  }),
});

/** A captured payment was refunded (in full or in part). Subject: the order id. */
export const PaymentRefundedV1 = defineEventContract({
  type: 'payment.refunded.v1',
  source,
  topic,
  schema: Type.Object({
    paymentId: Type.String({ minLength: 1 }),
    refundId: Type.String({ minLength: 1 }),
    orderId: Type.String({ minLength: 1 }),
    amount: MoneySchema,
  }),
});
