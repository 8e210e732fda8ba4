import Type from 'typebox';
import { defineEventContract } from '../event-contract.ts';

// Same producer and topic as the reservation events in ../inventory.contracts.ts.
const source = 'product';
const topic = 'inventory-events';

/** Stock held for an order was sold (the order was paid). Subject: the order id. */
export const StockCommittedV1 = defineEventContract({
  type: 'stock.committed.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    items: Type.Array(
      Type.Object({ productId: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) }),
      { minItems: 1 },
    ),
  }),
});

/** An admin corrected a product's stock (a delivery, a stock count). Subject: the product id. */
export const StockAdjustedV1 = defineEventContract({
  type: 'stock.adjusted.v1',
  source,
  topic,
  schema: Type.Object({
    productId: Type.String({ minLength: 1 }),
    delta: Type.Integer(),
    available: Type.Integer({ minimum: 0 }),
  }),
});
