import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { getRedis, startTestAuth, uniqueKeyPrefix, type TestAuth } from '@shop/testing';
import { ProductClient } from '../../src/data-access/product.client.ts';
import { startOrder, type OrderTestContext } from '../helper.ts';
import { startProductService, type ProductService } from '../support/product-service.ts';

// The cart against the real product service (its own process, its own database) and the real Redis:
// names, prices and availability come from the catalog as it is at each read.
let auth: TestAuth;
let product: ProductService;
let ctx: OrderTestContext;
before(async () => {
  auth = await startTestAuth();
  product = await startProductService({ auth });
  ctx = await startOrder(
    { ...product.orderEnv, REDIS_URL: (await getRedis()).url, CART_KEY_PREFIX: uniqueKeyPrefix('cart-e2e') },
    { auth },
  );
});
after(async () => {
  await ctx?.close();
  await product?.close();
  await auth?.close();
});

test('when a customer fills a cart from the real catalog, then it is priced and checked by the product service, and flags what changed since', async () => {
  const asCustomer = await auth.bearer(['customer']);
  const shoe = await product.createProduct({
    name: 'Trail shoe',
    price: { amount: 8_900, currency: 'USD' },
    stock: 3,
  });
  const cap = await product.createProduct({
    name: 'Cap',
    price: { amount: 1_500, currency: 'USD' },
    stock: 10,
  });
  const draft = await product.createProduct({ active: false });
  const put = (productId: string, quantity: number) =>
    ctx.http.put(`/api/v1/cart/items/${productId}`).set(asCustomer).send({ quantity });

  assert.equal((await put(randomUUID(), 1).expect(404)).body.code, 'CART_ERR_PRODUCT_NOT_FOUND');
  assert.equal((await put(draft.id, 1).expect(409)).body.code, 'CART_ERR_PRODUCT_NOT_SELLABLE');
  const short = await put(shoe.id, 4).expect(409);
  assert.equal(short.body.code, 'CART_ERR_INSUFFICIENT_STOCK');
  assert.equal(short.body.available, 3);

  await put(shoe.id, 2).expect(200);
  const filled = await put(cap.id, 1).expect(200);
  assert.deepEqual(
    filled.body.lines.map((l: { product: { name: string }; lineTotal: unknown; available: number }) => [
      l.product.name,
      l.lineTotal,
      l.available,
    ]),
    [
      ['Trail shoe', { amount: 17_800, currency: 'USD' }, 3],
      ['Cap', { amount: 1_500, currency: 'USD' }, 10],
    ],
  );
  assert.deepEqual(filled.body.subtotals, [{ amount: 19_300, currency: 'USD' }]);
  assert.equal(filled.body.checkoutReady, true);

  // Another order holds two of the three shoes, and the cap leaves the catalog.
  const otherOrder = new ProductClient({ baseUrl: product.url, serviceToken: product.serviceToken });
  try {
    assert.ok((await otherOrder.reserve(randomUUID(), [{ productId: shoe.id, quantity: 2 }], 60)).ok);
  } finally {
    await otherOrder.close();
  }
  assert.equal((await product.asAdmin('DELETE', `/api/v1/products/${cap.id}`)).status, 204);

  const { body } = await ctx.http.get('/api/v1/cart').set(asCustomer).expect(200);
  assert.deepEqual(
    body.lines.map((l: { productId: string; issues: { code: string }[] }) => [
      l.productId,
      l.issues.map((i) => i.code),
    ]),
    [
      [shoe.id, ['INSUFFICIENT_STOCK']],
      [cap.id, ['PRODUCT_GONE']],
    ],
  );
  assert.equal(body.lines[0].available, 1);
  assert.equal(body.checkoutReady, false);
});
