import { SANDBOX_MAX_AMOUNT } from '@shop/contracts';
import { StoredText } from '@shop/platform';
import { Type } from 'typebox';
import { ChargeIdSchema } from '../charges/charges.schemas.ts';

export const CreateRefundBody = Type.Object(
  {
    charge: ChargeIdSchema,
    amount: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: SANDBOX_MAX_AMOUNT,
        description: 'Integer minor units; absent: what is left of the charge',
      }),
    ),
    reason: Type.Optional(StoredText({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
