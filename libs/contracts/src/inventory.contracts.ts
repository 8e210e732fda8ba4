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
export const InventoryReservedV1 = defineEventContract({
  type: 'inventory.reserved.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    items: Type.Array(StockLineSchema, { minItems: 1 }),
  }),
});

/** Stock held for an order was sold (the order was paid). Subject: the order id. */
export const InventoryCommittedV1 = defineEventContract({
  type: 'inventory.committed.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    items: Type.Array(StockLineSchema, { minItems: 1 }),
  }),
});

/** Stock for an order could not be held; nothing was reserved. Subject: the order id. */
export const InventoryReservationFailedV1 = defineEventContract({
  type: 'inventory.reservation-failed.v1',
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
export const InventoryReleasedV1 = defineEventContract({
  type: 'inventory.released.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    items: Type.Array(StockLineSchema, { minItems: 1 }),
  }),
});

/** An admin corrected a product's stock (a delivery, a stock count). Subject: the product id. */
export const InventoryAdjustedV1 = defineEventContract({
  type: 'inventory.adjusted.v1',
  source,
  topic,
  schema: Type.Object({
    productId: Type.String({ minLength: 1 }),
    delta: Type.Integer(),
    available: Type.Integer({ minimum: 0 }),
  }),
});

/**
 * A paid order's stock could not be sold: its hold lapsed and the units went to others meanwhile (or it
 * never had one). The order saga refunds the payment. Subject: the order id.
 */
export const InventoryCommitFailedV1 = defineEventContract({
  type: 'inventory.commit-failed.v1',
  source,
  topic,
  schema: Type.Object({
    orderId: Type.String({ minLength: 1 }),
    reason: Type.Union([
      Type.Literal('reservation-expired'),
      Type.Literal('reservation-missing'),
      Type.Literal('insufficient-stock'),
    ]),
    unavailable: Type.Optional(
      Type.Array(
        Type.Object({
          productId: Type.String({ minLength: 1 }),
          requested: Type.Integer({ minimum: 1 }),
          available: Type.Integer({ minimum: 0 }),
        }),
      ),
    ),
  }),
});
