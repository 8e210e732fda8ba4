import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { MemoryCartStore } from '../../src/data-access/cart-store.ts';
import { createCart } from '../../src/domain/cart.ts';
import type { ProductCatalog, ProductSnapshot } from '../../src/domain/catalog.ts';

// What the checkout uses of the cart: the stored lines to price and reserve itself, and clear() once the
// order is stored.
function catalogOf(...products: ProductSnapshot[]): ProductCatalog & { calls: number } {
  const byId = new Map(products.map((product) => [product.id, product]));
  const catalog = {
    calls: 0,
    async lookup(ids: readonly string[]) {
      catalog.calls += 1;
      return new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id)!] as const] : [])));
    },
  };
  return catalog;
}

const snapshot = (overrides: Partial<ProductSnapshot> = {}): ProductSnapshot => ({
  id: randomUUID(),
  sku: 'SKU-1',
  name: 'A product',
  price: { amount: 500, currency: 'USD' },
  imageUrl: null,
  sellable: true,
  available: 10,
  ...overrides,
});

test('when the checkout reads a cart, then it gets the stored lines without a product call, and clear() empties it', async () => {
  const [a, b] = [snapshot(), snapshot()];
  const catalog = catalogOf(a, b);
  const cart = createCart({ store: new MemoryCartStore(), catalog });
  const customer = randomUUID();
  await cart.setQuantity(customer, a.id, 2);
  await cart.setQuantity(customer, b.id, 1);
  const calls = catalog.calls;

  assert.deepEqual(await cart.lines(customer), [
    { productId: a.id, quantity: 2 },
    { productId: b.id, quantity: 1 },
  ]);
  assert.equal(catalog.calls, calls);

  await cart.clear(customer);
  assert.deepEqual(await cart.lines(customer), []);
  assert.deepEqual((await cart.view(customer)).lines, []);
});

test('when an empty cart is viewed, then the product service is not called', async () => {
  const catalog = catalogOf();
  const cart = createCart({ store: new MemoryCartStore(), catalog });
  assert.equal((await cart.view(randomUUID())).checkoutReady, false);
  assert.equal(catalog.calls, 0);
});
