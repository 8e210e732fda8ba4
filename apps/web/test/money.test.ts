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
