import { MoneySchema } from '@shop/contracts';
import { Int4, STORABLE_TEXT_PATTERN, StoredText, StrictRecord, Uuid } from '@shop/platform';
import { Type, type Static } from 'typebox';
import type { AsJson, Assert, Equals } from '@shop/contracts';
import type { StockLevel } from '../../domain/inventory.ts';
import { CURSOR_PATTERN } from '../../domain/page-cursor.ts';
import { ATTRIBUTE_KEY_PATTERN, type AttributeValue, type Product } from '../../domain/product.ts';

const Sku = Type.String({
  pattern: '^[A-Z0-9][A-Z0-9-]{2,63}$',
  description: 'Upper-case letters, digits and dashes',
  examples: ['RUN-SHOE-0042'],
});
const CategorySlug = Type.String({
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  maxLength: 64,
  examples: ['running-shoes'],
});
const Name = StoredText({ minLength: 1, maxLength: 200, nonBlank: true });
const Description = StoredText({ maxLength: 5_000 });
const ImageUrl = Type.String({
  format: 'uri',
  pattern: '^https://',
  maxLength: 2_048,
  description: 'A CDN URL; the service never serves image bytes',
});
const AttributeKey = Type.String({ pattern: ATTRIBUTE_KEY_PATTERN });
// One schema with three types rather than a union: Ajv coerces types (for query strings) in bodies too, and
// a union's first branch (string) would turn 42 and true into '42' and 'true'. With several types in `type`
// it coerces only a value that matches none.
const AttributeValueBody = Type.Unsafe<AttributeValue>({
  type: ['string', 'number', 'boolean'],
  maxLength: 500,
  pattern: STORABLE_TEXT_PATTERN,
});
const Attributes = StrictRecord(AttributeKey, AttributeValueBody, {
  maxProperties: 50,
  description: 'Free-form facts: color, size, material ...',
});

// The shared Money, closed to other fields, with the amount bounded by the 32-bit price column.
export const Money = Type.Object(
  {
    amount: Type.With(MoneySchema.properties.amount, { maximum: 2_147_483_647 }),
    currency: MoneySchema.properties.currency,
  },
  { additionalProperties: false },
);

export const ProductView = Type.Object({
  id: Uuid(),
  sku: Type.String(),
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  price: Money,
  imageUrl: Type.Union([Type.String(), Type.Null()]),
  attributes: StrictRecord(AttributeKey, Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  active: Type.Boolean(),
  inStock: Type.Boolean({ description: 'Whether any unit can be ordered now' }),
  version: Type.Integer({
    description: 'Send it back with PATCH; a change by someone else in between is refused',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ProductPageView = Type.Object({
  items: Type.Array(ProductView),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last page',
  }),
});

export const ProductIdParams = Type.Object({ id: Uuid() });

export const ListQuery = Type.Object(
  {
    q: Type.Optional(
      StoredText({
        maxLength: 200,
        description: 'Full-text search (web-search syntax: "exact phrase", or, -exclude)',
      }),
    ),
    category: Type.Optional(CategorySlug),
    minPrice: Type.Optional(Int4({ minimum: 0, description: 'In minor units' })),
    maxPrice: Type.Optional(Int4({ minimum: 0, description: 'In minor units' })),
    inStock: Type.Optional(
      Type.Boolean({ description: 'true: only orderable products; false: only sold-out ones' }),
    ),
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('relevance'),
          Type.Literal('price_asc'),
          Type.Literal('price_desc'),
          Type.Literal('newest'),
        ],
        {
          description: 'Default: relevance with q, newest without',
        },
      ),
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
export type ListQuery = Static<typeof ListQuery>;

export const CreateProductBody = Type.Object(
  {
    sku: Sku,
    name: Name,
    description: Type.Optional(Description),
    category: CategorySlug,
    price: Money,
    imageUrl: Type.Optional(Type.Union([ImageUrl, Type.Null()])),
    attributes: Type.Optional(Attributes),
    active: Type.Optional(Type.Boolean({ default: true })),
    stock: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000_000,
        description: 'Units on sale from the start (default 0)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateProductBody = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Object(
  {
    version: Int4({
      minimum: 1,
      description: 'The version you read; the change is refused if it moved on',
    }),
    sku: Type.Optional(Sku),
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    category: Type.Optional(CategorySlug),
    price: Type.Optional(Money),
    imageUrl: Type.Optional(Type.Union([ImageUrl, Type.Null()])),
    attributes: Type.Optional(Attributes),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 2 },
);
export type UpdateProductBody = Static<typeof UpdateProductBody>;

export const StockAdjustmentBody = Type.Object(
  {
    delta: Type.Union(
      [
        Type.Integer({ minimum: 1, maximum: 10_000_000 }),
        Type.Integer({ minimum: -10_000_000, maximum: -1 }),
      ],
      {
        description: 'Units to add (a delivery) or to remove (a stock count); never 0',
      },
    ),
  },
  { additionalProperties: false },
);

export const StockLevelView = Type.Object({
  productId: Uuid(),
  available: Type.Integer(),
  reserved: Type.Integer(),
});

// Drift between a domain type and the schema that renders it fails the typecheck.
export type _ProductViewMatches = Assert<Equals<AsJson<Product>, Static<typeof ProductView>>>;
export type _StockLevelViewMatches = Assert<Equals<StockLevel, Static<typeof StockLevelView>>>;
