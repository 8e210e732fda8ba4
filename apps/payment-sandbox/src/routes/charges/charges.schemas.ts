import { CurrencyCodeSchema, SANDBOX_MAX_AMOUNT } from '@shop/contracts';
import { StoredText } from '@shop/platform';
import { Type } from 'typebox';

export const ChargeIdSchema = Type.String({
  pattern: '^ch_[A-Za-z0-9]{1,60}$',
  description: 'A charge id as the sandbox issued it',
});

export const CreateChargeBody = Type.Object(
  {
    amount: Type.Integer({
      minimum: 1,
      maximum: SANDBOX_MAX_AMOUNT,
      description: 'Integer minor units (cents)',
    }),
    currency: CurrencyCodeSchema,
    paymentMethod: Type.String({
      pattern: '^pm_[A-Za-z0-9_]{1,60}$',
      description: 'A test payment method: pm_card_visa, pm_card_declined, pm_card_insufficient_funds, ...',
      examples: ['pm_card_visa'],
    }),
    reference: StoredText({
      minLength: 1,
      maxLength: 255,
      nonBlank: true,
      description: "The caller's own id for this payment, kept on the charge for reconciliation",
    }),
    description: Type.Optional(StoredText({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const ChargeIdParams = Type.Object({ id: ChargeIdSchema });

const Instant = (description: string) => Type.String({ format: 'date-time', description });

export const ListChargesQuery = Type.Object(
  {
    createdFrom: Type.Optional(Instant('Charges created at or after this instant')),
    createdTo: Type.Optional(Instant('Charges created before this instant')),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$', description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
