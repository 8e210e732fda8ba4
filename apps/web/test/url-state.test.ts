import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogQuery, catalogSearchParams, parseCatalogState } from '../src/lib/url-state.ts';

const parse = (search: string) => parseCatalogState(new URLSearchParams(search));

describe('the catalog state in the URL', () => {
  it('reads every filter and writes it back the same way', () => {
    const search =
      'q=red+shoes&category=running-shoes&sort=price_asc&minPrice=1000&maxPrice=5000&inStock=true';
    const state = parse(search);
    assert.deepEqual(state, {
      q: 'red shoes',
      category: 'running-shoes',
      sort: 'price_asc',
      minPrice: 1000,
      maxPrice: 5000,
      inStock: true,
    });
    assert.equal(catalogSearchParams(state).toString(), search);
  });

  it('leaves defaults out, so the home page is a bare URL', () => {
    assert.equal(catalogSearchParams(parse('')).toString(), '');
    assert.equal(catalogSearchParams(parse('q=%20%20&inStock=false')).toString(), '');
  });

  it('drops what the API would refuse instead of sending it', () => {
    const state = parse('category=Not%20A%20Slug&sort=cheapest&minPrice=-5&maxPrice=99999999999');
    assert.deepEqual(catalogQuery(state), {});
  });

  it('swaps a minimum above the maximum', () => {
    const state = parse('minPrice=900&maxPrice=100');
    assert.deepEqual([state.minPrice, state.maxPrice], [100, 900]);
  });

  it('sends a trimmed search text and the filters under the API names', () => {
    assert.deepEqual(catalogQuery(parse('q=%20kettle%20&category=kitchen&inStock=true')), {
      q: 'kettle',
      category: 'kitchen',
      inStock: true,
    });
  });
});
