import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestAuth, type TestAuth } from '@shop/testing';
import { ProductClient } from '../../src/data-access/product.client.ts';
import { startProductService, type ProductService } from '../support/product-service.ts';

// The reservation contract against the real product service, run as its own process.
let auth: TestAuth;
let product: ProductService;
let client: ProductClient;
before(async () => {
  auth = await startTestAuth();
  product = await startProductService({ auth });
  client = new ProductClient({ baseUrl: product.url, serviceToken: product.serviceToken });
});
after(async () => {
  await client?.close();
  await product?.close();
  await auth?.close();
});

const stockOf = async (productId: string) =>
  (await product.asAdmin('GET', `/api/v1/admin/products/${productId}`)).body as { inStock: boolean };

test('when stock is reserved, short, and released, then the product service answers what the ports promise', async () => {
  const shoe = await product.createProduct({ stock: 3 });
  const orderId = randomUUID();

  const short = await client.reserve(orderId, [{ productId: shoe.id, quantity: 4 }], 60);
  assert.deepEqual(short, { ok: false, shortages: [{ productId: shoe.id, requested: 4, available: 3 }] });

  const held = await client.reserve(orderId, [{ productId: shoe.id, quantity: 3 }], 60);
  assert.ok(held.ok && held.expiresAt.getTime() > Date.now());
  const again = await client.reserve(orderId, [{ productId: shoe.id, quantity: 3 }], 60);
  assert.deepEqual(again, held, 'a repeat answers the same reservation');
  assert.equal((await stockOf(shoe.id)).inStock, false);

  await client.release(orderId);
  await client.release(orderId);
  await client.release(randomUUID());
  assert.equal((await stockOf(shoe.id)).inStock, true);

  await assert.rejects(client.reserve(orderId, [{ productId: shoe.id, quantity: 1 }], 60), {
    code: 'ORDER_ERR_RESERVATION_CONFLICT',
    status: 409,
  });
});
