import type { AsJson, Assert, Equals } from '@shop/contracts';
import { Type, type Static } from 'typebox';
import { CURSOR_PATTERN } from '../../domain/page-cursor.ts';
import type { ManagedProduct } from '../../domain/product.ts';
import { ProductView } from '../products/products.schemas.ts';

export const ManagedProductView = Type.Object({
  ...ProductView.properties,
  deletedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the product was deleted; null while it exists',
  }),
});

export const ManagedProductPageView = Type.Object({
  items: Type.Array(ManagedProductView),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last page',
  }),
});

export const ManagedListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('deleted')], {
        description: 'active: on sale; inactive: hidden, not deleted; deleted: soft-deleted. Default: all',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(
      Type.String({
        pattern: CURSOR_PATTERN,
        description: 'The `nextCursor` of the previous page, as it was',
      }),
    ),
  },
  { additionalProperties: false },
);

// Drift between the domain type and the schema that renders it fails the typecheck.
export type _ManagedProductViewMatches = Assert<
  Equals<AsJson<ManagedProduct>, Static<typeof ManagedProductView>>
>;
