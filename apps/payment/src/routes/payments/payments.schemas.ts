import { MoneySchema } from '@shop/contracts';
import { Int4, StoredText, Uuid } from '@shop/platform';
import { Type } from 'typebox';

const Instant = Type.String({ format: 'date-time' });

/** A provider token, never card data: `pm_` and up to 64 letters, digits or underscores. */
export const PaymentMethod = Type.String({
  pattern: '^pm_[A-Za-z0-9_]{1,64}$',
  maxLength: 67,
  description: "The card processor's payment method token, e.g. pm_card_visa; never card numbers.",
  examples: ['pm_card_visa'],
});

export const CreatePaymentBody = Type.Object(
  {
    orderId: Uuid({ description: 'The order to pay; its amount and currency are the order service’s.' }),
    paymentMethod: PaymentMethod,
  },
  { additionalProperties: false },
);

export const PaymentIdParams = Type.Object({ id: Uuid() });

export const OrderPaymentsQuery = Type.Object({ orderId: Uuid() }, { additionalProperties: false });

export const PaymentView = Type.Object({
  id: Uuid(),
  orderId: Uuid(),
  customerId: Uuid(),
  status: Type.Union([Type.Literal('processing'), Type.Literal('succeeded'), Type.Literal('failed')]),
  amount: MoneySchema,
  refunded: MoneySchema,
  /** Why it failed: `card_declined`, `insufficient_funds`, `provider_unavailable`, ...; null otherwise. */
  failureReason: Type.Union([Type.String(), Type.Null()]),
  paymentMethod: Type.String(),
  createdAt: Instant,
  updatedAt: Instant,
});

export const PaymentListView = Type.Object({ payments: Type.Array(PaymentView) });

export const RefundBody = Type.Object(
  {
    amount: Type.Optional(
      Int4({ minimum: 1, description: "Minor units of the payment's currency; default: all that is left." }),
    ),
    reason: StoredText({ minLength: 1, maxLength: 200, nonBlank: true }),
  },
  { additionalProperties: false },
);

export const RefundView = Type.Object({
  id: Uuid(),
  paymentId: Uuid(),
  amount: MoneySchema,
  reason: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Instant,
  updatedAt: Instant,
});

export const RefundListView = Type.Object({ refunds: Type.Array(RefundView) });
