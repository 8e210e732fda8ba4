import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMoney, minorUnitDigits, sumMoney } from '../src/lib/money.ts';

describe('formatMoney', () => {
  it('reads integer minor units by the currency: cents for USD and EUR, none for JPY, three for KWD', () => {
    assert.equal(formatMoney({ amount: 12_345, currency: 'USD' }, 'en-US'), '$123.45');
    assert.equal(formatMoney({ amount: 5, currency: 'USD' }, 'en-US'), '$0.05');
    assert.equal(formatMoney({ amount: 1_500, currency: 'JPY' }, 'en-US'), '¥1,500');
    assert.equal(minorUnitDigits('KWD'), 3);
    assert.equal(formatMoney({ amount: 1_234, currency: 'KWD' }, 'en-US'), 'KWD\u00a01.234');
  });

  it('formats by locale: de-DE puts the euro after a comma', () => {
    assert.equal(formatMoney({ amount: 199_999, currency: 'EUR' }, 'de-DE'), '1.999,99\u00a0€');
    // The minor unit comes with the currency, whatever the locale: no cents for yen in German either.
    assert.equal(formatMoney({ amount: 1_500, currency: 'JPY' }, 'de-DE'), '1.500\u00a0¥');
  });

  it('keeps exact cents at the int4 price maximum', () => {
    assert.equal(formatMoney({ amount: 2_147_483_647, currency: 'USD' }, 'en-US'), '$21,474,836.47');
  });

  it('refuses a fractional amount rather than showing a wrong price', () => {
    assert.throws(() => formatMoney({ amount: 12.5, currency: 'USD' }, 'en-US'), /not an integer/);
  });
});

describe('sumMoney', () => {
  it('adds amounts of one currency and refuses to mix currencies', () => {
    assert.deepEqual(
      sumMoney(
        [
          { amount: 1, currency: 'USD' },
          { amount: 2, currency: 'USD' },
        ],
        'USD',
      ),
      { amount: 3, currency: 'USD' },
    );
    assert.throws(() => sumMoney([{ amount: 1, currency: 'EUR' }], 'USD'), /EUR cannot be added to USD/);
  });
});

describe('the admin price input', () => {
  it('reads decimal text into minor units without float errors, and writes it back', async () => {
    const { parsePriceInput, priceInputText } = await import('../src/lib/price-input.ts');
    assert.equal(parsePriceInput('12.5', 'USD'), 1250);
    assert.equal(parsePriceInput('0,07', 'EUR'), 7);
    assert.equal(parsePriceInput('19.99', 'USD'), 1999);
    assert.equal(parsePriceInput('1500', 'JPY'), 1500);
    assert.equal(parsePriceInput('1.5', 'JPY'), undefined);
    assert.equal(parsePriceInput('1.999', 'USD'), undefined);
    assert.equal(parsePriceInput('-1', 'USD'), undefined);
    assert.equal(parsePriceInput('abc', 'USD'), undefined);
    assert.equal(parsePriceInput('99999999', 'USD'), undefined);
    assert.equal(priceInputText(1250, 'USD'), '12.50');
    assert.equal(priceInputText(7, 'USD'), '0.07');
    assert.equal(priceInputText(1500, 'JPY'), '1500');
  });
});
