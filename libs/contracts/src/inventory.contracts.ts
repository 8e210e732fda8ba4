import Type from 'typebox';
import { defineEventContract } from './event-contract.ts';

// Inventory lives in the product service, which produces these events.
const source = 'product';
const topic = 'inventory-events';

const StockLineSchema = Type.Object({
  productId: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: 1 }),
});

/** Stock for every line of an order is held for it. Subject: the order id. */
export const StockReservedV1 = defineEventContract({
  type: 'stock.reserved.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    items: Type.Array(StockLineSchema, { minItems: 1 }),
  }),
});

/** Stock for an order could not be held; nothing was reserved. Subject: the order id. */
export const StockReservationFailedV1 = defineEventContract({
  type: 'stock.reservation-failed.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    unavailable: Type.Array(
      Type.Object({
        productId: Type.String({ minLength: 1 }),
        requested: Type.Integer({ minimum: 1 }),
        available: Type.Integer({ minimum: 0 }),
      }),
    ),
  }),
});

/** Stock held for an order went back on sale (the order was cancelled). Subject: the order id. */
export const StockReleasedV1 = defineEventContract({
  type: 'stock.released.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    items: Type.Array(StockLineSchema, { minItems: 1 }),
  }),
});
