import { StoredText, Uuid } from '@shop/platform';
import { Type } from 'typebox';

export const CreatePaymentSandboxBody = Type.Object(
  { title: StoredText({ minLength: 1, maxLength: 200, nonBlank: true }) },
  { additionalProperties: false },
);

export const PaymentSandboxIdParams = Type.Object({ id: Uuid() });

export const PaymentSandboxView = Type.Object({
  id: Uuid(),
  ownerId: Uuid(),
  title: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
