import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProduct, problemType, startProduct, type ProductTestContext } from '../../helper.ts';

// Cursors are decoded strictly (see domain/page-cursor.ts): every crafted cursor is a 400 problem that says
// to start again, never a value PostgreSQL cannot compare (a 500).

const encode = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));

describe('crafted cursors', () => {
  let ctx: ProductTestContext;
  const cursors: Record<string, { s: string; f: string; k: [number | string, string] }> = {};
  let adminCursor: { s: string; u: string; i: string };
  before(async () => {
    ctx = await startProduct();
    for (let i = 0; i < 3; i++) {
      await createProduct(ctx, {
        category: 'cursor-lamps',
        name: `Cursor lamp ${i}`,
        price: { amount: 100 + i, currency: 'USD' },
      });
    }
    for (const sort of ['newest', 'price_asc', 'relevance']) {
      const page = await ctx.http
        .get(`/api/v1/products?category=cursor-lamps&q=lamp&sort=${sort}&limit=1`)
        .expect(200);
      cursors[sort] = decode(page.body.nextCursor);
    }
    const admin = await ctx.http.get('/api/v1/admin/products?limit=1').set(ctx.asAdmin).expect(200);
    adminCursor = decode(admin.body.nextCursor);
  });
  after(() => ctx.close());

  async function expectRefused(url: string, admin = false) {
    const request = ctx.http.get(url);
    const response = admin ? await request.set(ctx.asAdmin) : await request;
    assert.equal(response.status, 400, `${url}: ${JSON.stringify(response.body)}`);
    assert.match(response.headers['content-type'] ?? '', problemType);
    assert.ok(
      ['PRODUCT_ERR_INVALID_CURSOR', 'PLATFORM_ERR_VALIDATION'].includes(response.body.code),
      response.body.code,
    );
  }

  const catalog = (sort: string, cursor: string) =>
    `/api/v1/products?category=cursor-lamps&q=lamp&sort=${sort}&limit=1&cursor=${encodeURIComponent(cursor)}`;

  test('when a cursor is not base64url, or not JSON of the cursor shape, then 400', async () => {
    for (const cursor of [
      'not*base64!',
      '%00',
      '====',
      encode('a string'),
      encode([1, 2]),
      encode(null),
      encode({}),
    ]) {
      await expectRefused(catalog('newest', cursor));
      await expectRefused(`/api/v1/admin/products?cursor=${encodeURIComponent(cursor)}`, true);
    }
    await expectRefused(catalog('newest', encode({ ...cursors['newest'], extra: 1 })));
    await expectRefused(catalog('newest', encode({ ...cursors['newest'], k: [cursors['newest']!.k[0]] })));
  });

  test('when a tampered cursor carries a sort value its column cannot hold, then 400', async () => {
    const {
      newest,
      price_asc: price,
      relevance,
    } = cursors as Record<string, { s: string; f: string; k: [number | string, string] }>;
    const id = newest!.k[1];
    for (const value of [7769406990, -1, 1.5, '100']) {
      await expectRefused(catalog('price_asc', encode({ ...price, k: [value, id] })));
    }
    for (const value of [1e300, 1e-45, -0.5, 'high']) {
      await expectRefused(catalog('relevance', encode({ ...relevance, k: [value, id] })));
    }
    for (const value of [
      '-271821-04-20T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      'Tue, 01 Jan 2030 00:00:00 GMT',
      '2030-02-30T00:00:00.000Z',
      12,
    ]) {
      await expectRefused(catalog('newest', encode({ ...newest, k: [value, id] })));
    }
    for (const badId of ['x', id.toUpperCase(), `urn:uuid:${id}`, 7]) {
      await expectRefused(catalog('newest', encode({ ...newest, k: [newest!.k[0], badId] })));
    }
  });

  test('when a tampered cursor names another sort or other filters, then 400', async () => {
    await expectRefused(catalog('price_desc', encode(cursors['price_asc'])));
    await expectRefused(catalog('newest', encode({ ...cursors['newest'], f: 'AAAAAAAAAAAAAAAA' })));
  });

  test('when a tampered admin cursor names a bad id, instant or status, then 400', async () => {
    const admin = (body: unknown) => `/api/v1/admin/products?limit=1&cursor=${encode(body)}`;
    for (const i of ['x', adminCursor.i.toUpperCase(), ''])
      await expectRefused(admin({ ...adminCursor, i }), true);
    for (const u of ['-271821-04-20T00:00:00.000Z', 'March 7', '2030-13-01T00:00:00.000Z']) {
      await expectRefused(admin({ ...adminCursor, u }), true);
    }
    await expectRefused(admin({ ...adminCursor, s: 'deleted' }), true);
  });

  test('when the cursors the service wrote are sent back unchanged, then the next pages come', async () => {
    for (const [sort, body] of Object.entries(cursors)) {
      const page = await ctx.http.get(catalog(sort, encode(body))).expect(200);
      assert.equal(page.body.items.length, 1, sort);
    }
    await ctx.http
      .get(`/api/v1/admin/products?limit=1&cursor=${encode(adminCursor)}`)
      .set(ctx.asAdmin)
      .expect(200);
  });
});
