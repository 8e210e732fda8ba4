import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventually, stopAllServers } from '@shop/testing';
import { Shop, type Account } from '../support/shop-client.ts';
import { startShopSystem, type ShopSystem } from '../support/system.ts';

// The shop as customers meet it: every request through the gateway, every service its own process, the
// saga over Kafka. One system for the file: starting it is most of the file's time.
let system: ShopSystem;
let shop: Shop;
let admin: Account;
before(async () => {
  system = await startShopSystem();
  shop = new Shop(system.url);
  admin = await shop.admin();
});
after(async () => {
  await system?.close();
  await stopAllServers();
});

/** A customer with `quantity` of a new product (of `stock` units) in the cart, checked out. */
async function placedOrder(stock: number, quantity: number) {
  const product = await shop.createProduct(admin, stock);
  const customer = await shop.register();
  await shop.expect(200, 'PUT', `/api/v1/cart/items/${product.id}`, {
    token: customer.token,
    body: { quantity },
  });
  const order = (await shop.checkout(customer)).body;
  return { product, customer, order };
}

describe('checkout through the gateway', () => {
  test('when a customer registers, browses, searches, fills the cart, orders and pays with pm_card_visa, then the order ends CONFIRMED and the stock is sold', async () => {
    const product = await shop.createProduct(admin, 5, 3_100);
    const customer = await shop.register('Grace');
    const me = await shop.expect(200, 'GET', '/api/v1/auth/me', { token: customer.token });
    assert.equal(me.body.email, customer.email);

    // Browsing needs no token; the search finds the product by a word of its name.
    const page = await shop.expect(200, 'GET', '/api/v1/products?category=e2e-kitchen&limit=100');
    assert.ok(page.body.items.some((item: { id: string }) => item.id === product.id));
    const sku = product.name.split(' ').at(-1)!;
    const found = await eventually('the search to find the new product', async () => {
      const answer = await shop.expect(200, 'GET', `/api/v1/products?q=${encodeURIComponent(sku)}`);
      return answer.body.items.some((item: { id: string }) => item.id === product.id) && answer;
    });
    assert.equal(found.body.items[0].id, product.id);
    const read = await shop.expect(200, 'GET', `/api/v1/products/${product.id}`);
    assert.equal(read.body.inStock, true);

    await shop.expect(200, 'PUT', `/api/v1/cart/items/${product.id}`, {
      token: customer.token,
      body: { quantity: 2 },
    });
    const cart = await shop.expect(200, 'GET', '/api/v1/cart', { token: customer.token });
    assert.ok(cart.text.includes(product.id), cart.text);

    const placed = await shop.checkout(customer);
    assert.equal(placed.body.status, 'PENDING_PAYMENT');
    assert.deepEqual(placed.body.total, { amount: 6_200, currency: 'USD' });
    assert.ok(placed.headers.get('x-request-id'), 'the gateway returns the request id');
    assert.deepEqual(await system.stock(product.id), { available: 3, reserved: 2 });
    const emptied = await shop.expect(200, 'GET', '/api/v1/cart', { token: customer.token });
    assert.ok(!emptied.text.includes(product.id), `the cart was not emptied: ${emptied.text}`);

    const paid = await shop.pay(customer, placed.body.id, 'pm_card_visa');
    assert.equal(paid.status, 201, paid.text);
    assert.equal(paid.body.status, 'succeeded');
    assert.deepEqual(paid.body.amount, { amount: 6_200, currency: 'USD' });

    const confirmed = await shop.orderReaches(customer, placed.body.id, 'CONFIRMED');
    assert.equal(confirmed.paymentId, paid.body.id);
    // Sold: the two held units are gone from the reservation, not back on sale.
    await eventually('the hold to be committed', async () => {
      assert.deepEqual(await system.stock(product.id), { available: 3, reserved: 0 });
    });
    const mine = await shop.expect(200, 'GET', '/api/v1/orders', { token: customer.token });
    assert.deepEqual(
      mine.body.items.map((order: { id: string }) => order.id),
      [placed.body.id],
    );
  });

  test('when the card is declined (pm_card_declined), then the order stays payable, and once the customer cancels it it is CANCELLED with its stock back on sale', async () => {
    const { product, customer, order } = await placedOrder(4, 3);
    assert.deepEqual(await system.stock(product.id), { available: 1, reserved: 3 });

    const declined = await shop.pay(customer, order.id, 'pm_card_declined');
    assert.equal(declined.status, 201, declined.text);
    assert.equal(declined.body.status, 'failed');
    assert.equal(declined.body.failureReason, 'card_declined');
    // The order service's decision: a decline does not cancel; the stock stays held for another card.
    const pending = await eventually('the decline to be recorded on the order', async () => {
      const answer = await shop.expect(200, 'GET', `/api/v1/orders/${order.id}`, { token: customer.token });
      return answer.body.reason !== null && answer.body;
    });
    assert.equal(pending.status, 'PENDING_PAYMENT');
    assert.deepEqual(await system.stock(product.id), { available: 1, reserved: 3 });

    await shop.expect(200, 'POST', `/api/v1/orders/${order.id}/cancel`, { token: customer.token });
    await shop.orderReaches(customer, order.id, 'CANCELLED');
    await eventually('the hold to be released', async () => {
      assert.deepEqual(await system.stock(product.id), { available: 4, reserved: 0 });
    });
    // A cancelled order takes no payment.
    const late = await shop.pay(customer, order.id, 'pm_card_visa');
    assert.equal(late.status, 409, late.text);
  });

  test('when a confirmed order is refunded by its customer, then it ends REFUNDED with the whole amount back', async () => {
    const { customer, order } = await placedOrder(3, 1);
    const paid = await shop.pay(customer, order.id, 'pm_card_visa');
    assert.equal(paid.status, 201, paid.text);
    await shop.orderReaches(customer, order.id, 'CONFIRMED');

    const refund = await shop.expect(201, 'POST', `/api/v1/payments/${paid.body.id}/refunds`, {
      token: customer.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { reason: 'changed my mind' },
    });
    assert.equal(refund.body.status, 'succeeded');
    assert.deepEqual(refund.body.amount, order.total);

    const refunded = await shop.orderReaches(customer, order.id, 'REFUNDED');
    assert.deepEqual(refunded.refunded, order.total);
  });

  test('when the provider answers past the timeout (pm_card_timeout), then the one charge is found and the order ends CONFIRMED once it settles', async () => {
    const { product, customer, order } = await placedOrder(2, 2);
    const paying = await shop.pay(customer, order.id, 'pm_card_timeout');
    // Usually 202 processing (the completer settles it later); 201 succeeded when the sandbox's webhook
    // happened to settle it before payment's own timeout ran out. Either way one payment, one charge.
    assert.ok(
      (paying.status === 202 && paying.body.status === 'processing') ||
        (paying.status === 201 && paying.body.status === 'succeeded'),
      `${paying.status} ${paying.text}`,
    );
    assert.equal(paying.headers.get('location'), `/api/v1/payments/${paying.body.id}`);

    await shop.paymentReaches(customer, paying.body.id, 'succeeded');
    await shop.orderReaches(customer, order.id, 'CONFIRMED');
    await eventually('the hold to be committed', async () => {
      assert.deepEqual(await system.stock(product.id), { available: 0, reserved: 0 });
    });
    const payments = await shop.expect(200, 'GET', `/api/v1/payments?orderId=${order.id}`, {
      token: customer.token,
    });
    assert.deepEqual(
      payments.body.payments.map((payment: { id: string; status: string }) => [payment.id, payment.status]),
      [[paying.body.id, 'succeeded']],
    );
  });
});
