// Prices travel as integer minor units (cents) with an ISO 4217 currency; only the page turns them into text.

export interface Money {
  amount: number;
  currency: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale: string | undefined): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let format = formatters.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, format);
  }
  return format;
}

// A currency's minor unit is the same in every locale (ISO 4217), so any of its formatters tells it.
const digitsOf = (format: Intl.NumberFormat) => format.resolvedOptions().maximumFractionDigits ?? 2;

/** Digits after the decimal point of a currency's minor unit (USD 2, JPY 0, KWD 3). */
export function minorUnitDigits(currency: string): number {
  return digitsOf(formatter(currency, 'en'));
}

/** 12345 USD -> "$123.45" (en-US); the amount is never rounded through a float sum, only divided once. */
export function formatMoney(money: Money, locale?: string): string {
  if (!Number.isSafeInteger(money.amount)) {
    throw new RangeError(`formatMoney: ${money.amount} is not an integer number of minor units`);
  }
  // The formatter that prints the amount tells its digits: one formatter per currency, not two (the first
  // costs the most: ICU data).
  const format = formatter(money.currency, locale);
  return format.format(money.amount / 10 ** digitsOf(format));
}

/** The sum of amounts of one currency; mixing currencies is a bug, so it throws. */
export function sumMoney(items: Money[], currency: string): Money {
  let amount = 0;
  for (const item of items) {
    if (item.currency !== currency) {
      throw new RangeError(`sumMoney: ${item.currency} cannot be added to ${currency}`);
    }
    amount += item.amount;
  }
  return { amount, currency };
}
