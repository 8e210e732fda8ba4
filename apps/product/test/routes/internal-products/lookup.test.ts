import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProduct, problemType, startProduct, type ProductTestContext } from '../../helper.ts';

describe('the batch read: POST /internal/v1/products/lookup', () => {
  let ctx: ProductTestContext;
  before(async () => {
    ctx = await startProduct();
  });
  after(() => ctx.close());

  const lookup = (body: unknown) =>
    ctx.http
      .post('/internal/v1/products/lookup')
      .set(ctx.asService)
      .send(body as object);

  test('when several ids are asked at once, then the live and hidden ones come back in the order asked, and unknown and deleted ones are absent', async () => {
    const shoe = await createProduct(ctx, {
      name: 'Trail shoe',
      price: { amount: 8999, currency: 'EUR' },
      stock: 7,
    });
    const hidden = await createProduct(ctx, { name: 'Draft lamp', active: false, stock: 4 });
    const deleted = await createProduct(ctx, { stock: 3 });
    await ctx.http.delete(`/api/v1/products/${deleted.id}`).set(ctx.asAdmin).expect(204);
    const unknown = crypto.randomUUID();

    const res = await lookup({ ids: [hidden.id, unknown, shoe.id, deleted.id] }).expect(200);

    assert.deepEqual(res.body, {
      products: [
        {
          id: hidden.id,
          sku: hidden.sku,
          name: 'Draft lamp',
          price: hidden.price,
          imageUrl: 'https://cdn.shop.test/images/test.jpg',
          sellable: false,
          available: 0,
        },
        {
          id: shoe.id,
          sku: shoe.sku,
          name: 'Trail shoe',
          price: { amount: 8999, currency: 'EUR' },
          imageUrl: 'https://cdn.shop.test/images/test.jpg',
          sellable: true,
          available: 7,
        },
      ],
    });
  });

  test('when stock is reserved, then the next lookup shows what is left at once (no cache in between)', async () => {
    const { id } = await createProduct(ctx, { stock: 10 });
    assert.equal((await lookup({ ids: [id] }).expect(200)).body.products[0].available, 10);
    await ctx.http
      .put(`/internal/v1/inventory/reservations/order-${crypto.randomUUID()}`)
      .set(ctx.asService)
      .send({ items: [{ productId: id, quantity: 4 }] })
      .expect(201);
    assert.equal((await lookup({ ids: [id] }).expect(200)).body.products[0].available, 6);
  });

  test('when none of the ids is known, then the answer is an empty list, not a 404', async () => {
    assert.deepEqual((await lookup({ ids: [crypto.randomUUID()] }).expect(200)).body, { products: [] });
  });

  const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
  const badBodies: [string, unknown][] = [
    ['ids that are not uuids', { ids: ['not-a-uuid'] }],
    ['an upper-case uuid (ids are compared exactly)', { ids: [crypto.randomUUID().toUpperCase()] }],
    ['more than 100 ids', { ids: ids(101) }],
    ['the same id twice', { ids: ((id) => [id, id])(crypto.randomUUID()) }],
    ['an empty list', { ids: [] }],
    ['no ids at all', {}],
    ['a field the schema does not know', { ids: ids(1), withStock: true }],
  ];
  for (const [what, body] of badBodies) {
    test(`when the body has ${what}, then the answer is a 400 problem`, async () => {
      const res = await lookup(body).expect(400);
      assert.match(res.headers['content-type'] ?? '', problemType);
    });
  }

  test('when exactly 100 ids are asked, then the lookup answers', async () => {
    await lookup({ ids: ids(100) }).expect(200);
  });

  test("when the service token is missing, then 401; a user's token, 403; a token without products:lookup, 403", async () => {
    const body = { ids: ids(1) };
    const missing = await ctx.http.post('/internal/v1/products/lookup').send(body).expect(401);
    assert.match(missing.headers['content-type'] ?? '', problemType);
    await ctx.http.post('/internal/v1/products/lookup').set('x-internal-token', 'old').send(body).expect(401);
    await ctx.http.post('/internal/v1/products/lookup').set(ctx.asCustomer).send(body).expect(403);
    const noScope = await ctx.auth.serviceBearer('order', 'product', ['inventory:reserve']);
    await ctx.http.post('/internal/v1/products/lookup').set(noScope).send(body).expect(403);
  });
});
