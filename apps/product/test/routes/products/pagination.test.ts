import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProduct, startProduct, type ProductTestContext } from '../../helper.ts';

type Page = { items: { id: string; price: { amount: number } }[]; nextCursor: string | null };

describe('GET /api/v1/products: keyset pagination', () => {
  let ctx: ProductTestContext;
  const existing: string[] = [];
  before(async () => {
    ctx = await startProduct();
    // Repeated prices, so the id tie-breaker is exercised.
    for (let i = 0; i < 45; i++) {
      const product = await createProduct(ctx, {
        category: 'paged',
        name: `Paged lamp ${i}`,
        price: { amount: 1000 + (i % 6) * 100, currency: 'USD' },
      });
      existing.push(product.id);
    }
  });
  after(() => ctx.close());

  async function walk(query: string, onPage?: (pageNumber: number) => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pageNumber = 1; pageNumber < 100; pageNumber++) {
      const url: string = `/api/v1/products?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await ctx.http.get(url).expect(200)).body as Page;
      seen.push(...page.items.map((i) => i.id));
      await onPage?.(pageNumber);
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
    throw new Error('pagination did not end');
  }

  for (const sort of ['newest', 'price_asc', 'price_desc', 'relevance']) {
    test(`when paging by ${sort} while products are inserted, then no product is skipped or repeated`, async () => {
      let inserted = 0;
      const seen = await walk(`category=paged&q=lamp&sort=${sort}&limit=7`, async () => {
        // Land both before and after the current position: cheap and dear, and always the newest.
        await Promise.all(
          [500, 5000].map((amount) =>
            createProduct(ctx, {
              category: 'paged',
              name: `Late lamp ${inserted++}`,
              price: { amount, currency: 'USD' },
            }),
          ),
        );
      });
      assert.equal(new Set(seen).size, seen.length, 'no product appears twice');
      const missing = existing.filter((id) => !seen.includes(id));
      assert.deepEqual(missing, [], 'every product that existed before paging started is seen');
    });
  }

  test('when paging by price, then pages continue the order exactly', async () => {
    const prices: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: Page } = await ctx.http
        .get(
          `/api/v1/products?category=paged&sort=price_asc&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        )
        .expect(200);
      prices.push(...res.body.items.map((i) => i.price.amount));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      prices,
      [...prices].sort((a, b) => a - b),
    );
  });

  test('when a page ends exactly at the last product, then nextCursor is null; limit bounds the page size', async () => {
    for (let i = 0; i < 3; i++) await createProduct(ctx, { category: 'tiny' });
    const exact = (await ctx.http.get('/api/v1/products?category=tiny&limit=3').expect(200)).body as Page;
    assert.equal(exact.items.length, 3);
    assert.equal(exact.nextCursor, null);
    const small = (await ctx.http.get('/api/v1/products?category=tiny&limit=2').expect(200)).body as Page;
    assert.equal(small.items.length, 2);
    const rest = (
      await ctx.http
        .get(`/api/v1/products?category=tiny&limit=2&cursor=${encodeURIComponent(small.nextCursor!)}`)
        .expect(200)
    ).body as Page;
    assert.equal(rest.items.length, 1);
    assert.equal(rest.nextCursor, null);
  });

  test('when a cursor is forged or used with another query, then the answer is 400 with a hint to start over', async () => {
    const page = (await ctx.http.get('/api/v1/products?category=paged&sort=price_asc&limit=3').expect(200))
      .body as Page;
    const cursor = encodeURIComponent(page.nextCursor!);
    const otherSort = await ctx.http
      .get(`/api/v1/products?category=paged&sort=newest&cursor=${cursor}`)
      .expect(400);
    assert.equal(otherSort.body.code, 'PRODUCT_ERR_INVALID_CURSOR');
    await ctx.http.get(`/api/v1/products?category=other&sort=price_asc&cursor=${cursor}`).expect(400);
    await ctx.http.get('/api/v1/products?cursor=bm90LWpzb24').expect(400);
    const forged = Buffer.from(
      JSON.stringify({ s: 'price_asc', f: 'x', k: ['1; DROP TABLE products', 'x'] }),
    ).toString('base64url');
    await ctx.http.get(`/api/v1/products?sort=price_asc&cursor=${forged}`).expect(400);
  });
});
