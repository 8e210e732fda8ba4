import Type, { type Static } from 'typebox';

/** An ISO 4217 currency code, e.g. USD. */
export const CurrencyCodeSchema = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 code',
  examples: ['USD'],
});

/** An amount in integer minor units (cents) with its ISO 4217 currency code; never a float. */
export const MoneySchema = Type.Object({
  amount: Type.Integer({ minimum: 0, description: 'Integer minor units (cents); never a float' }),
  currency: CurrencyCodeSchema,
});

export type Money = Static<typeof MoneySchema>;
