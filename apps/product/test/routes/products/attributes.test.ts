import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProduct, newProduct, startProduct, type ProductTestContext } from '../../helper.ts';

// TypeBox renders Type.Record(key, value) as `patternProperties` alone, so a key failing the key pattern
// used to pass with a value of any type; once stored it broke the response serializer of every page with it.

describe('product attributes: keys that fail the key pattern', () => {
  let ctx: ProductTestContext;
  before(async () => {
    ctx = await startProduct();
  });
  after(() => ctx.close());

  test('when an attribute key fails the key pattern, then 400 on create and on change, and nothing is stored', async () => {
    for (const key of ['has space', 'x'.repeat(65), 'ümlaut', '']) {
      const created = await ctx.http
        .post('/api/v1/products')
        .set(ctx.asAdmin)
        .send(newProduct({ attributes: { [key]: { nested: true } } }));
      assert.equal(created.status, 400, `key ${JSON.stringify(key)}: ${JSON.stringify(created.body)}`);
      assert.equal(created.body.code, 'PLATFORM_ERR_VALIDATION');
    }
    const product = await createProduct(ctx);
    await ctx.http
      .patch(`/api/v1/products/${product.id}`)
      .set(ctx.asAdmin)
      .send({ version: product.version, attributes: { 'size (EU)': 42 } })
      .expect(400);
    const rows = await ctx.sql<{ attributes: unknown }>('SELECT attributes FROM products');
    assert.deepEqual(
      rows.map((row) => row.attributes),
      [{ color: 'red' }],
    );
  });

  test('when a stored product has attributes the API cannot render, then every page that shows it still answers, without them', async () => {
    const product = await createProduct(ctx, { category: 'odd-attributes', name: 'Odd lamp' });
    await ctx.sql(`UPDATE products SET attributes = $1::jsonb WHERE id = $2`, [
      JSON.stringify({ 'bad key': { nested: true }, color: 'red', weight: null, tags: ['a'], 'size.eu': 42 }),
      product.id,
    ]);
    const expected = { color: 'red', 'size.eu': 42 };

    const one = await ctx.http.get(`/api/v1/products/${product.id}`).expect(200);
    assert.deepEqual(one.body.attributes, expected);
    const page = await ctx.http.get('/api/v1/products?category=odd-attributes').expect(200);
    assert.deepEqual(page.body.items[0].attributes, expected);
    const search = await ctx.http.get('/api/v1/products?q=lamp').expect(200);
    assert.ok(search.body.items.some((item: { id: string }) => item.id === product.id));
    const managed = await ctx.http.get(`/api/v1/admin/products/${product.id}`).set(ctx.asAdmin).expect(200);
    assert.deepEqual(managed.body.attributes, expected);
    await ctx.http.get('/api/v1/admin/products').set(ctx.asAdmin).expect(200);
  });

  test('when attributes are numbers and booleans, then they are stored and answered as such, not as strings', async () => {
    const attributes = { weight: 1.5, size: 42, fragile: true, color: 'red', code: '007' };
    const created = await createProduct(ctx, { attributes });
    const stored = await ctx.sql<{ attributes: unknown }>('SELECT attributes FROM products WHERE id = $1', [
      created.id,
    ]);
    assert.deepEqual(stored[0]?.attributes, attributes);
    assert.deepEqual(
      (await ctx.http.get(`/api/v1/products/${created.id}`).expect(200)).body.attributes,
      attributes,
    );
  });
});
