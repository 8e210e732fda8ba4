import { MoneySchema, type AsJson, type Assert, type Equals } from '@shop/contracts';
import { StoredText, Uuid } from '@shop/platform';
import { Type, type Static } from 'typebox';
import type { Order, OrderStatus } from '../../domain/order.ts';

const Text = (maxLength: number, description?: string) =>
  StoredText({
    minLength: 1,
    maxLength,
    nonBlank: true,
    ...(description === undefined ? {} : { description }),
  });

export const ShippingAddressSchema = Type.Object(
  {
    name: Text(200, 'Who receives the parcel'),
    line1: Text(200),
    line2: Type.Optional(StoredText({ maxLength: 200 })),
    city: Text(100),
    postalCode: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9 -]{0,14}[A-Za-z0-9]$',
      description: '2 to 16 letters, digits, spaces or dashes',
    }),
    region: Type.Optional(StoredText({ maxLength: 100 })),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. DE' }),
  },
  { additionalProperties: false },
);

export const OrderItemSchema = Type.Object(
  { productId: Uuid(), quantity: Type.Integer({ minimum: 1, maximum: 99 }) },
  { additionalProperties: false },
);

export const PlaceOrderBody = Type.Object(
  {
    shippingAddress: ShippingAddressSchema,
    items: Type.Optional(
      Type.Array(OrderItemSchema, {
        minItems: 1,
        maxItems: 50,
        description: 'What to order; your cart when absent (then emptied once the order is placed)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const OrderIdParams = Type.Object({
  id: Uuid({ description: 'An order id as the service issued it (it names its shard)' }),
});

const StatusSchema = Type.Union(
  [
    Type.Literal('PENDING_PAYMENT'),
    Type.Literal('PAID'),
    Type.Literal('CONFIRMED'),
    Type.Literal('CANCELLED'),
    Type.Literal('REFUND_PENDING'),
    Type.Literal('REFUNDED'),
  ],
  { description: 'PENDING_PAYMENT -> PAID -> CONFIRMED; CANCELLED; REFUND_PENDING -> REFUNDED' },
);

const Instant = Type.String({ format: 'date-time' });

export const OrderView = Type.Object({
  id: Uuid(),
  customerId: Uuid(),
  status: StatusSchema,
  lines: Type.Array(
    Type.Object({
      productId: Uuid(),
      sku: Type.String(),
      name: Type.String(),
      quantity: Type.Integer(),
      unitPrice: MoneySchema,
      lineTotal: MoneySchema,
    }),
  ),
  total: MoneySchema,
  refunded: MoneySchema,
  shippingAddress: ShippingAddressSchema,
  paymentId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why it was cancelled, why it is refunded, or why the last payment attempt failed',
  }),
  expiresAt: Type.String({
    format: 'date-time',
    description: 'Unpaid past this instant, the order is cancelled',
  }),
  version: Type.Integer(),
  createdAt: Instant,
  updatedAt: Instant,
});

export const OrderPageView = Type.Object({
  items: Type.Array(OrderView),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last page',
  }),
});

const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });
// What encodeCursor of libs/sharding writes: base64url of the last (createdAt, id) returned.
const ORDER_CURSOR_PATTERN = '^[A-Za-z0-9_-]{1,200}$';
const Cursor = Type.String({
  pattern: ORDER_CURSOR_PATTERN,
  description: 'The `nextCursor` of the previous page, as it was',
});

export const OwnOrdersQuery = Type.Object(
  { limit: Limit, cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);

export const AdminOrdersQuery = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    createdFrom: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after' })),
    createdTo: Type.Optional(Type.String({ format: 'date-time', description: 'Created before' })),
    limit: Limit,
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

/** What the payment service needs to check a payment: the owner, the state and the amount. */
export const InternalOrderView = Type.Object({
  id: Uuid(),
  customerId: Uuid(),
  status: StatusSchema,
  total: MoneySchema,
  paymentId: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Instant,
});

// Drift between the domain type and the schema that renders it fails the typecheck.
export type _OrderViewMatches = Assert<Equals<AsJson<Order>, Static<typeof OrderView>>>;
export type _StatusSchemaMatches = Assert<Equals<OrderStatus, Static<typeof StatusSchema>>>;
