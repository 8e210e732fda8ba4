import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { problemType, startProduct, type ProductTestContext } from '../helper.ts';

describe('product when a value cannot be stored or compared by PostgreSQL', () => {
  let ctx: ProductTestContext;
  before(async () => {
    ctx = await startProduct({ REDIS_URL: '' });
  });
  after(() => ctx.close());

  for (const [what, query] of [
    ['the search text holds a NUL character', { q: 'red\u0000shoe' }],
    ['a price bound is past the 32-bit column', { minPrice: '7769406990' }],
  ] as const) {
    test(`when ${what}, then the answer is 400 problem+json, not a 500`, async () => {
      const res = await ctx.http.get('/api/v1/products').query(query);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.headers['content-type']!, problemType);
    });
  }
});
