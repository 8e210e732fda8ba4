import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '@shop/platform';
import { cacheCounters, createProduct, startProduct, type ProductTestContext } from '../helper.ts';

const BOUND = 65_536;

/** `cache_local_bytes{cache}` from /metrics: what the cache holds in this process. */
async function localBytes(app: Service, cache: string): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith('cache_local_bytes{') && l.includes(`cache="${cache}"`));
  assert.ok(line, `cache_local_bytes{cache="${cache}"} is exposed`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

for (const mode of ['Redis with an L1', 'the in-process store'] as const) {
  describe(`catalog list caching is bounded (${mode})`, () => {
    let ctx: ProductTestContext;
    before(async () => {
      ctx = await startProduct({
        CACHE_L1_MAX_BYTES: String(BOUND),
        // Counts loads: a slow Redis reply on a loaded machine must not turn into one.
        CACHE_REDIS_TIMEOUT_MS: '2000',
        ...(mode === 'the in-process store' ? { REDIS_URL: '' } : {}),
      });
      // Pages of five heavy products (about 5 KiB each), so a flood of distinct queries weighs megabytes.
      for (let i = 0; i < 5; i++) {
        await createProduct(ctx, {
          category: 'heavy',
          description: 'Long words. '.repeat(400),
          price: { amount: 100 + i, currency: 'USD' },
        });
      }
    });
    after(() => ctx.close());

    test('when a flood of distinct queries is served, then the bytes the list cache holds stay under its bound', async () => {
      let answered = 0;
      for (let minPrice = 0; minPrice < 100; minPrice++) {
        const page = await ctx.http.get(`/api/v1/products?category=heavy&minPrice=${minPrice}`).expect(200);
        answered += JSON.stringify(page.body).length;
      }
      assert.ok(answered > 20 * BOUND, `the flood answered ${answered} bytes`);
      const held = await localBytes(ctx.app, 'product-list');
      assert.ok(held <= BOUND, `the list cache holds ${held} bytes`);
      assert.ok(held > 0, 'and it still caches');
    });

    test('when pages are asked with a cursor or an unusual limit, then they are read from PostgreSQL each time, not cached', async () => {
      const first = await ctx.http.get('/api/v1/products?category=heavy&limit=2').expect(200);
      const cursor = encodeURIComponent(first.body.nextCursor as string);
      const loadsOf = async (url: string) => {
        const before = (await cacheCounters(ctx.app, 'product-list')).loads;
        await ctx.http.get(url).expect(200);
        await ctx.http.get(url).expect(200);
        return (await cacheCounters(ctx.app, 'product-list')).loads - before;
      };
      assert.equal(
        await loadsOf(`/api/v1/products?category=heavy&limit=20&cursor=${cursor}`),
        0,
        'a cursor page skips the cache',
      );
      assert.equal(
        await loadsOf('/api/v1/products?category=heavy&limit=37'),
        0,
        'an unusual limit skips the cache',
      );
      assert.equal(
        await loadsOf('/api/v1/products?category=heavy&limit=50'),
        1,
        'a usual first page is cached',
      );
    });
  });
}
