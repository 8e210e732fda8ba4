import { StoredText, Uuid } from '@shop/platform';
import { Type } from 'typebox';

export const CreatePaymentBody = Type.Object(
  { title: StoredText({ minLength: 1, maxLength: 200, nonBlank: true }) },
  { additionalProperties: false },
);

export const PaymentIdParams = Type.Object({ id: Uuid() });

export const PaymentView = Type.Object({
  id: Uuid(),
  ownerId: Uuid(),
  title: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
