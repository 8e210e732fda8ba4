import type { Assert, Equals } from '@shop/contracts';
import { MoneySchema } from '@shop/contracts';
import { Uuid } from '@shop/platform';
import { Type, type Static } from 'typebox';
import { CART_LIMITS, type PricedCart } from '../../domain/cart.ts';

export const CartItemParams = Type.Object({ productId: Uuid() });

export const SetQuantityBody = Type.Object(
  {
    quantity: Type.Integer({
      minimum: 1,
      maximum: CART_LIMITS.maxQuantityPerLine,
      description: `Units of the product (1..${CART_LIMITS.maxQuantityPerLine}); replaces the quantity in the cart. Remove a line with DELETE.`,
    }),
  },
  { additionalProperties: false },
);

const LineIssueView = Type.Union([
  Type.Object({ code: Type.Literal('PRODUCT_GONE'), message: Type.String() }),
  Type.Object({ code: Type.Literal('NOT_SELLABLE'), message: Type.String() }),
  Type.Object({
    code: Type.Literal('INSUFFICIENT_STOCK'),
    message: Type.String(),
    available: Type.Integer({ minimum: 0 }),
  }),
]);

const CartLineView = Type.Object({
  productId: Uuid(),
  quantity: Type.Integer({ minimum: 1 }),
  product: Type.Union(
    [
      Type.Object({
        sku: Type.String(),
        name: Type.String(),
        imageUrl: Type.Union([Type.String(), Type.Null()]),
        unitPrice: MoneySchema,
      }),
      Type.Null(),
    ],
    { description: 'The product as the catalog shows it now; null when it no longer exists' },
  ),
  lineTotal: Type.Union([MoneySchema, Type.Null()], {
    description: 'Unit price x quantity in integer minor units; null when the product no longer exists',
  }),
  available: Type.Integer({ minimum: 0, description: 'Units that could be reserved right now' }),
  issues: Type.Array(LineIssueView, {
    description: 'Why the line cannot be checked out as it is; empty when it can',
  }),
});

export const CartView = Type.Object({
  lines: Type.Array(CartLineView, { description: 'In the order they were first added' }),
  subtotals: Type.Array(MoneySchema, {
    description: 'One per currency, sorted by currency code (the catalog prices in one today)',
  }),
  itemCount: Type.Integer({ minimum: 0 }),
  checkoutReady: Type.Boolean({ description: 'Not empty, and no line has an issue' }),
});

// Drift between the domain type and the schema that renders it fails the typecheck.
export type _CartViewMatches = Assert<Equals<PricedCart, Static<typeof CartView>>>;
