import type { AsJson, Assert, Equals } from '@shop/contracts';
import { MoneySchema } from '@shop/contracts';
import { Uuid } from '@shop/platform';
import { Type, type Static } from 'typebox';
import { LOOKUP_MAX_IDS } from '../../domain/lookup-products.ts';
import type { ProductAvailability } from '../../domain/product.ts';

export const LookupBody = Type.Object(
  {
    ids: Type.Array(Uuid(), {
      minItems: 1,
      maxItems: LOOKUP_MAX_IDS,
      uniqueItems: true,
      description: 'The products to read, each once',
    }),
  },
  { additionalProperties: false },
);

export const ProductAvailabilityView = Type.Object({
  id: Uuid(),
  sku: Type.String(),
  name: Type.String(),
  price: MoneySchema,
  imageUrl: Type.Union([Type.String(), Type.Null()]),
  sellable: Type.Boolean({ description: 'On sale: active and not deleted' }),
  available: Type.Integer({
    minimum: 0,
    description: 'Units a reservation can take now (0 when not sellable)',
  }),
});

export const LookupView = Type.Object({
  products: Type.Array(ProductAvailabilityView, {
    description: 'The products found, in the order asked; unknown and deleted ids are absent',
  }),
});

// Drift between the domain type and the schema that renders it fails the typecheck.
export type _ProductAvailabilityViewMatches = Assert<
  Equals<AsJson<ProductAvailability>, Static<typeof ProductAvailabilityView>>
>;
