import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProduct, startProduct, type ProductTestContext } from '../../helper.ts';

type Item = { id: string; name: string; category: string; price: { amount: number }; inStock: boolean };

describe('GET /api/v1/products: full-text search, filters and sort', () => {
  let ctx: ProductTestContext;
  const ids: Record<string, string> = {};
  before(async () => {
    ctx = await startProduct();
    const fixtures = [
      {
        key: 'nameHit',
        name: 'Waterproof trail running shoe',
        category: 'running-shoes',
        description: 'Grippy sole.',
        price: 12_900,
        stock: 4,
      },
      {
        key: 'descriptionHit',
        name: 'Everyday sneaker',
        category: 'sneakers',
        description: 'Light enough for a short running session.',
        price: 7_900,
        stock: 0,
      },
      {
        key: 'categoryHit',
        name: 'Racing flat',
        category: 'running-shoes',
        description: 'For race day.',
        price: 15_900,
        stock: 2,
      },
      {
        key: 'unrelated',
        name: 'Cast iron skillet',
        category: 'cookware',
        description: 'Seasoned and ready.',
        price: 3_900,
        stock: 9,
      },
      {
        key: 'cheapShoe',
        name: 'Budget running shoe',
        category: 'running-shoes',
        description: 'Does the job.',
        price: 2_900,
        stock: 1,
      },
    ];
    for (const f of fixtures) {
      const { key, price, ...rest } = f;
      ids[key] = (await createProduct(ctx, { ...rest, price: { amount: price, currency: 'USD' } })).id;
    }
    await createProduct(ctx, { name: 'Hidden running shoe', category: 'running-shoes', active: false });
  });
  after(() => ctx.close());

  const list = async (query: string) =>
    (await ctx.http.get(`/api/v1/products?${query}`).expect(200)).body as {
      items: Item[];
      nextCursor: string | null;
    };

  test('when searching, then matches rank by where the words appear: name before category before description', async () => {
    const { items } = await list('q=running');
    const order = items.map((i) => i.id);
    assert.deepEqual(
      new Set(order),
      new Set([ids['nameHit'], ids['descriptionHit'], ids['categoryHit'], ids['cheapShoe']]),
    );
    assert.ok(
      order.indexOf(ids['nameHit']!) < order.indexOf(ids['categoryHit']!),
      'a name match outranks a category match',
    );
    assert.ok(
      order.indexOf(ids['categoryHit']!) < order.indexOf(ids['descriptionHit']!),
      'a category match outranks a description match',
    );
    assert.equal(order.at(-1), ids['descriptionHit']);
  });

  test('when searching with stemming and web-search syntax, then variants match and excluded words drop out', async () => {
    assert.ok(
      (await list('q=runs')).items.some((i) => i.id === ids['nameHit']),
      '"runs" finds "running"',
    );
    const excluded = await list(`q=${encodeURIComponent('running -trail')}`);
    assert.ok(!excluded.items.some((i) => i.id === ids['nameHit']));
    assert.ok(excluded.items.some((i) => i.id === ids['cheapShoe']));
    assert.deepEqual((await list('q=zeppelin')).items, []);
  });

  test('when filtering by category, price range and stock, then only matching active products come back', async () => {
    const shoes = await list('category=running-shoes');
    assert.deepEqual(
      new Set(shoes.items.map((i) => i.id)),
      new Set([ids['nameHit'], ids['categoryHit'], ids['cheapShoe']]),
    );
    const midRange = await list('minPrice=5000&maxPrice=13000');
    assert.deepEqual(
      new Set(midRange.items.map((i) => i.id)),
      new Set([ids['nameHit'], ids['descriptionHit']]),
    );
    const inStock = await list('q=running&inStock=true');
    assert.ok(inStock.items.every((i) => i.inStock));
    assert.ok(!inStock.items.some((i) => i.id === ids['descriptionHit']));
    const soldOut = await list('inStock=false');
    assert.deepEqual(
      soldOut.items.map((i) => i.id),
      [ids['descriptionHit']],
    );
  });

  test('when sorting by price or newest, then the order follows the sort', async () => {
    const ascending = (await list('category=running-shoes&sort=price_asc')).items.map((i) => i.price.amount);
    assert.deepEqual(ascending, [2_900, 12_900, 15_900]);
    const descending = (await list('category=running-shoes&sort=price_desc')).items.map(
      (i) => i.price.amount,
    );
    assert.deepEqual(descending, [15_900, 12_900, 2_900]);
    const newest = (await list('category=running-shoes')).items.map((i) => i.id);
    assert.deepEqual(newest, [ids['cheapShoe'], ids['categoryHit'], ids['nameHit']]);
  });

  test('when the query is invalid, then the answer is 400 problem+json', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'minPrice=-1',
      'sort=cheapest',
      'minPrice=1.5',
      'unknown=1',
      'category=Not%20A%20Slug',
    ]) {
      const res = await ctx.http.get(`/api/v1/products?${query}`).expect(400);
      assert.equal(res.body.code, 'PLATFORM_ERR_VALIDATION', query);
    }
    const swapped = await ctx.http.get('/api/v1/products?minPrice=500&maxPrice=100').expect(400);
    assert.equal(swapped.body.code, 'PRODUCT_ERR_INVALID_QUERY');
  });

  test('when listing categories, then each category with products on show comes with its count', async () => {
    const res = await ctx.http.get('/api/v1/categories').expect(200);
    assert.deepEqual(res.body.items, [
      { slug: 'cookware', name: 'Cookware', productCount: 1 },
      { slug: 'running-shoes', name: 'Running shoes', productCount: 3 },
      { slug: 'sneakers', name: 'Sneakers', productCount: 1 },
    ]);
  });
});
