import Type, { type Static } from 'typebox';

/** An amount in integer minor units (cents) with its ISO 4217 currency code; never a float. */
export const MoneySchema = Type.Object({
  amount: Type.Integer({ minimum: 0 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
});

export type Money = Static<typeof MoneySchema>;
