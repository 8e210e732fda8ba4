import { StoredText, Uuid } from '@shop/platform';
import { Type } from 'typebox';

export const CreateOrderBody = Type.Object(
  { title: StoredText({ minLength: 1, maxLength: 200, nonBlank: true }) },
  { additionalProperties: false },
);

export const OrderIdParams = Type.Object({ id: Uuid() });

export const OrderView = Type.Object({
  id: Uuid(),
  ownerId: Uuid(),
  title: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
