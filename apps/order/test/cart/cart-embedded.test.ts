import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOrder, type OrderTestContext } from '../helper.ts';
import { startProductStub, type ProductStub } from '../support/product-stub.ts';

// The embedded start (`npm start` without REDIS_URL): the service keeps carts in its own process.
let ctx: OrderTestContext;
let stub: ProductStub;
before(async () => {
  stub = await startProductStub();
  ctx = await startOrder({ PRODUCT_SERVICE_URL: stub.url });
});
after(async () => {
  await ctx?.close();
  await stub?.close();
});

test('when the service has no Redis, then carts work the same from its own memory', async () => {
  assert.equal(ctx.app.redis, undefined);
  const asCustomer = await ctx.auth.bearer(['customer']);
  const product = stub.add();

  await ctx.http.put(`/api/v1/cart/items/${product.id}`).set(asCustomer).send({ quantity: 2 }).expect(200);
  const { body } = await ctx.http.get('/api/v1/cart').set(asCustomer).expect(200);

  assert.deepEqual(
    body.lines.map((l: { productId: string; quantity: number }) => [l.productId, l.quantity]),
    [[product.id, 2]],
  );
  await ctx.http.delete('/api/v1/cart').set(asCustomer).expect(204);
  assert.deepEqual((await ctx.http.get('/api/v1/cart').set(asCustomer).expect(200)).body.lines, []);
});
