import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createProduct,
  newProduct,
  problemType,
  startProduct,
  type ProductTestContext,
} from '../../helper.ts';

// What schemathesis found against the product service's own OpenAPI document: input the schema let
// through but PostgreSQL could not store or compare, answered 500. Each must be a 400 problem naming the field.

interface Problem {
  code: string;
  errors?: { field: string }[];
}

describe('input PostgreSQL cannot hold is a 400, never a 500', () => {
  let ctx: ProductTestContext;
  let existing: { id: string; version: number };
  before(async () => {
    ctx = await startProduct();
    existing = await createProduct(ctx);
  });
  after(() => ctx.close());

  function expectInvalid(
    response: { status: number; headers: Record<string, string>; body: Problem },
    field: string,
  ) {
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.match(response.headers['content-type'] ?? '', problemType);
    assert.equal(response.body.code, 'PLATFORM_ERR_VALIDATION');
    assert.ok(
      response.body.errors?.some((error) => error.field === field),
      `${field} is named in ${JSON.stringify(response.body.errors)}`,
    );
  }

  const create = (overrides: Record<string, unknown>) =>
    ctx.http.post('/api/v1/products').set(ctx.asAdmin).send(newProduct(overrides));

  test('when the search text has a NUL character, then 400', async () => {
    expectInvalid(await ctx.http.get('/api/v1/products?q=lamp%00shade'), 'querystring.q');
  });

  test('when a price filter is past the 32-bit price column, then 400', async () => {
    expectInvalid(await ctx.http.get('/api/v1/products?minPrice=7769406990'), 'querystring.minPrice');
    expectInvalid(await ctx.http.get('/api/v1/products?maxPrice=2147483648'), 'querystring.maxPrice');
    await ctx.http.get('/api/v1/products?maxPrice=2147483647').expect(200);
  });

  test('when a name or description has a NUL character or no visible character, then 400 and nothing is stored', async () => {
    expectInvalid(await create({ name: 'Lamp\u0000' }), 'body.name');
    expectInvalid(await create({ description: 'Bright\u0000' }), 'body.description');
    expectInvalid(await create({ name: ' \n\t ' }), 'body.name');
    const rows = await ctx.sql<{ count: number }>('SELECT count(*)::int AS count FROM products');
    assert.equal(rows[0]?.count, 1, 'only the product created before');
    const emoji = await create({ name: 'Lamp 💡', description: 'Ünïcode is fine' }).expect(201);
    assert.equal(emoji.body.name, 'Lamp 💡');
  });

  test('when an attribute key or value has a NUL character, then 400', async () => {
    expectInvalid(await create({ attributes: { 'col\u0000or': 'red' } }), 'body.attributes');
    expectInvalid(await create({ attributes: { color: 're\u0000d' } }), 'body.attributes.color');
  });

  test('when a name or an attribute has a lone UTF-16 surrogate, then 400 malformed JSON (the Prisma engine refuses the escape)', async () => {
    for (const overrides of [{ name: 'Lone \ud800 lamp' }, { attributes: { color: 'red \udc00' } }]) {
      const response = await create(overrides);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.code, 'PLATFORM_ERR_MALFORMED_JSON');
    }
  });

  test('when the version sent with a change is past the 32-bit version column, then 400', async () => {
    const response = await ctx.http
      .patch(`/api/v1/products/${existing.id}`)
      .set(ctx.asAdmin)
      .send({ version: 308764829079531008, name: 'Renamed' });
    expectInvalid(response, 'body.version');
  });

  test('when a product id is a UUID URN, then 400 rather than a failed uuid cast', async () => {
    const urn = `urn:uuid:${existing.id}`;
    expectInvalid(await ctx.http.get(`/api/v1/products/${urn}`), 'params.id');
    expectInvalid(await ctx.http.get(`/api/v1/admin/products/${urn}`).set(ctx.asAdmin), 'params.id');
    expectInvalid(
      await ctx.http.get(`/internal/v1/inventory/stock/${urn}`).set(ctx.asService),
      'params.productId',
    );
  });

  test('when a product id is in upper case, then 400: an id has one spelling, so the cache keeps one copy of it', async () => {
    const upper = existing.id.toUpperCase();
    expectInvalid(await ctx.http.get(`/api/v1/products/${upper}`), 'params.id');
    await ctx.http.get(`/api/v1/products/${existing.id}`).expect(200);
  });
});
