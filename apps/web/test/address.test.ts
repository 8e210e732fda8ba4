import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toShippingAddress, validateAddress } from '../src/lib/address.ts';

const good = {
  name: 'Ada',
  line1: '12 Row',
  line2: ' ',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'gb',
};

describe('the checkout address', () => {
  it('accepts a good address and sends it trimmed, upper-cased, without an empty second line', () => {
    assert.deepEqual(validateAddress(good), {});
    assert.deepEqual(toShippingAddress(good), {
      name: 'Ada',
      line1: '12 Row',
      city: 'London',
      postalCode: 'N1 9GU',
      country: 'GB',
    });
  });

  it('names each field to fix', () => {
    const errors = validateAddress({
      name: ' ',
      line1: '',
      line2: '',
      city: '',
      postalCode: '-',
      country: 'GBR',
    });
    assert.deepEqual(Object.keys(errors).sort(), ['city', 'country', 'line1', 'name', 'postalCode']);
  });
});
