import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProduct, problemType, startProduct, type ProductTestContext } from '../../helper.ts';

interface Managed {
  id: string;
  active: boolean;
  version: number;
  deletedAt: string | null;
}

describe('the admin catalog: GET /api/v1/admin/products', () => {
  let ctx: ProductTestContext;
  before(async () => {
    ctx = await startProduct();
  });
  after(() => ctx.close());

  const listAll = async (query: string): Promise<Managed[]> => {
    const seen: Managed[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/admin/products?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await ctx.http.get(url).set(ctx.asAdmin).expect(200);
      seen.push(...(page.body.items as Managed[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null);
    return seen;
  };

  test('when a product is hidden, then the catalog 404s it but an admin finds it and can put it back on sale', async () => {
    const draft = await createProduct(ctx, { active: false, name: 'Draft lamp' });
    await ctx.http.get(`/api/v1/products/${draft.id}`).expect(404);

    const found = await ctx.http.get(`/api/v1/admin/products/${draft.id}`).set(ctx.asAdmin).expect(200);
    assert.equal(found.body.active, false);
    assert.equal(found.body.deletedAt, null);
    assert.ok((await listAll('status=inactive')).some((product) => product.id === draft.id));

    await ctx.http
      .patch(`/api/v1/products/${draft.id}`)
      .set(ctx.asAdmin)
      .send({ version: found.body.version, active: true })
      .expect(200);
    const onSale = await ctx.http.get(`/api/v1/products/${draft.id}`).expect(200);
    assert.equal(onSale.body.name, 'Draft lamp');
  });

  test('when a product is deleted, then an admin still sees it with its deletion time, under status=deleted only', async () => {
    const doomed = await createProduct(ctx);
    await ctx.http.delete(`/api/v1/products/${doomed.id}`).set(ctx.asAdmin).expect(204);

    const found = await ctx.http.get(`/api/v1/admin/products/${doomed.id}`).set(ctx.asAdmin).expect(200);
    assert.match(found.body.deletedAt, /^\d{4}-\d{2}-\d{2}T/);
    const deleted = await listAll('status=deleted');
    assert.ok(deleted.some((product) => product.id === doomed.id));
    assert.ok(deleted.every((product) => product.deletedAt !== null));
    assert.ok(!(await listAll('status=active')).some((product) => product.id === doomed.id));
  });

  test('when every product is paged through, then each appears exactly once, most recently changed first', async () => {
    for (let i = 0; i < 5; i++) await createProduct(ctx);
    const all = await listAll('');
    const [row] = await ctx.sql<{ count: number }>('SELECT count(*)::int AS count FROM products');
    assert.equal(all.length, row?.count);
    assert.equal(new Set(all.map((product) => product.id)).size, all.length, 'no product twice');
  });

  test('when a customer or nobody asks, then 403 and 401; a foreign or malformed cursor is a 400', async () => {
    const { id } = await createProduct(ctx);
    await ctx.http.get('/api/v1/admin/products').set(ctx.asCustomer).expect(403);
    await ctx.http.get(`/api/v1/admin/products/${id}`).expect(401);

    const first = await ctx.http
      .get('/api/v1/admin/products?status=active&limit=1')
      .set(ctx.asAdmin)
      .expect(200);
    const cursor = first.body.nextCursor as string;
    const foreign = await ctx.http
      .get(`/api/v1/admin/products?status=deleted&limit=1&cursor=${cursor}`)
      .set(ctx.asAdmin)
      .expect(400);
    assert.match(foreign.headers['content-type']!, problemType);
    assert.equal(foreign.body.code, 'PRODUCT_ERR_INVALID_CURSOR');
    await ctx.http.get('/api/v1/admin/products?cursor=not-base64-json').set(ctx.asAdmin).expect(400);
    await ctx.http.get('/api/v1/admin/products?status=archived').set(ctx.asAdmin).expect(400);
  });
});
