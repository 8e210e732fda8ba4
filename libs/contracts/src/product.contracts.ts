import Type from 'typebox';
import { defineEventContract } from './event-contract.ts';
import { MoneySchema } from './money.schemas.ts';

const source = 'product';
const topic = 'product-events';

// Each event carries the product as it now is, so a consumer never has to call back for it.
const ProductSnapshotSchema = Type.Object({
  productId: Type.String({ minLength: 1 }),
  sku: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  category: Type.String({ minLength: 1 }),
  price: MoneySchema,
  active: Type.Boolean(),
  version: Type.Integer({ minimum: 1 }),
});

/** An admin added a product to the catalog. Subject: the product id. */
export const ProductCreatedV1 = defineEventContract({
  type: 'product.created.v1',
  source,
  topic,
  schema: ProductSnapshotSchema,
});

/** An admin changed a product (name, price, activity ...); `data` is the new state. Subject: the product id. */
export const ProductUpdatedV1 = defineEventContract({
  type: 'product.updated.v1',
  source,
  topic,
  schema: ProductSnapshotSchema,
});

/** An admin removed a product from the catalog (soft delete). Subject: the product id. */
export const ProductDeletedV1 = defineEventContract({
  type: 'product.deleted.v1',
  source,
  topic,
  schema: Type.Object({
    productId: Type.String({ minLength: 1 }),
    sku: Type.String({ minLength: 1 }),
    version: Type.Integer({ minimum: 1 }),
  }),
});
