import type { AsJson, Assert, Equals } from '@shop/contracts';
import { Uuid } from '@shop/platform';
import { Type, type Static } from 'typebox';
import type { Reservation, StockLevel } from '../../domain/inventory.ts';

const OrderId = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  description: 'The order the stock is held for; makes every call idempotent',
});

const StockLine = Type.Object(
  { productId: Uuid(), quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) },
  { additionalProperties: false },
);

export const OrderIdParams = Type.Object({ orderId: OrderId });
export const ProductIdParams = Type.Object({ productId: Uuid() });

export const ReserveBody = Type.Object(
  {
    items: Type.Array(StockLine, { minItems: 1, maxItems: 100 }),
    ttlSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 86_400,
        description: 'How long to hold the stock (default 15 min)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ReservationView = Type.Object({
  orderId: Type.String(),
  status: Type.Union([Type.Literal('reserved'), Type.Literal('committed'), Type.Literal('released')]),
  items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer() })),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const StockLevelView = Type.Object({
  productId: Uuid(),
  available: Type.Integer(),
  reserved: Type.Integer(),
});

// Drift between a domain type and the schema that renders it fails the typecheck.
export type _ReservationViewMatches = Assert<Equals<AsJson<Reservation>, Static<typeof ReservationView>>>;
export type _StockLevelViewMatches = Assert<Equals<StockLevel, Static<typeof StockLevelView>>>;
