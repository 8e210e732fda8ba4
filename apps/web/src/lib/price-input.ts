import { minorUnitDigits } from './money.ts';

/**
 * "12.5" (USD) -> 1250 minor units; undefined for anything that is not a non-negative amount with at most
 * the currency's decimals. Parsed as text, never through a float multiplication.
 */
export function parsePriceInput(text: string, currency: string): number | undefined {
  const digits = minorUnitDigits(currency);
  const match = /^(\d{1,9})(?:[.,](\d*))?$/.exec(text.trim());
  if (match === null) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  const amount = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return amount <= 2_147_483_647 ? amount : undefined;
}

/** 1250 (USD) -> "12.50": the input's text for an amount. */
export function priceInputText(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(amount);
  const text = String(amount).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
