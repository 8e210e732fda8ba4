import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { eventually, stopAllServers } from '@shop/testing';
import { Shop, SHIPPING_ADDRESS, type Account, type Answer } from '../support/shop-client.ts';
import { startShopSystem, type ShopSystem } from '../support/system.ts';

// Outages of one part while customers check out, through the gateway. Kafka is this system's own, since
// stopping the shared broker would break the test files running beside this one.
let system: ShopSystem;
let shop: Shop;
let admin: Account;
before(async () => {
  system = await startShopSystem({
    dedicatedKafka: true,
    // The breaker's pause short, so recovery is seen within the test; retries past the outage would otherwise
    // meet the per-customer checkout limit.
    env: { gateway: { BREAKER_HALF_OPEN_AFTER_MS: '1000', RATE_LIMIT_CHECKOUT: '100000' } },
  });
  shop = new Shop(system.url);
  admin = await shop.admin();
});
after(async () => {
  await system?.close();
  await stopAllServers();
});

async function customerWithCart(productId: string, quantity = 1): Promise<Account> {
  const customer = await shop.register();
  await shop.expect(200, 'PUT', `/api/v1/cart/items/${productId}`, {
    token: customer.token,
    body: { quantity },
  });
  return customer;
}

describe('failures during checkout', () => {
  test('when the payment service is stopped, then paying answers 503 (the breaker opens) while the rest of the shop serves, and the same key pays once it is back', async (t) => {
    const product = await shop.createProduct(admin, 3);
    const customer = await customerWithCart(product.id);
    const order = (await shop.checkout(customer)).body;
    const key = randomUUID();

    await system.services.payment.stop();
    t.after(() => system.services.payment.start());
    const codes: string[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const answer = await shop.pay(customer, order.id, 'pm_card_visa', { 'idempotency-key': key });
      assert.equal(answer.status, 503, answer.text);
      assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.ok(Number(answer.headers.get('retry-after')) >= 1, answer.text);
      codes.push(answer.body.code as string);
    }
    assert.equal(codes[0], 'GATEWAY_ERR_UPSTREAM_UNAVAILABLE');
    assert.equal(codes.at(-1), 'GATEWAY_ERR_CIRCUIT_OPEN', codes.join(', '));
    // Only payment's routes are refused.
    await shop.expect(200, 'GET', `/api/v1/products/${product.id}`);
    await shop.expect(200, 'GET', `/api/v1/orders/${order.id}`, { token: customer.token });

    await system.services.payment.start();
    const paid = await eventually(
      'paying to work again',
      async () => {
        const answer = await shop.pay(customer, order.id, 'pm_card_visa', { 'idempotency-key': key });
        return answer.status === 201 && answer;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    assert.equal(paid.body.status, 'succeeded');
    await shop.orderReaches(customer, order.id, 'CONFIRMED');
  });

  test('when the product service restarts during checkouts, then every customer who retries with their key ends with exactly one order, and the stock holds match them', async () => {
    const product = await shop.createProduct(admin, 20);
    const customers = await Promise.all(Array.from({ length: 6 }, () => customerWithCart(product.id)));

    /** Checks out with one key, retrying what the outage answers, until the order is placed. */
    const checkoutThroughOutage = async (customer: Account) => {
      const key = randomUUID();
      const seen: number[] = [];
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const answer: Answer = await shop.request('POST', '/api/v1/orders', {
          token: customer.token,
          headers: { 'idempotency-key': key },
          body: { shippingAddress: SHIPPING_ADDRESS },
        });
        seen.push(answer.status);
        if (answer.status === 201) return { order: answer.body as { id: string }, seen };
        // 503/504 (product or breaker), 409 (the first try of this key still running): retry, as a client would.
        assert.ok([409, 502, 503, 504].includes(answer.status), `${answer.status} ${answer.text}`);
        assert.notEqual(answer.status, 500);
        await sleep(150);
      }
      throw new Error(`no order after 200 attempts: ${seen.join(',')}`);
    };
    // Half the customers are checking out when the product service stops, half start while it is down.
    const [early, late] = [customers.slice(0, 3), customers.slice(3)];
    const placing = early.map((customer, index) =>
      sleep(index * 100).then(() => checkoutThroughOutage(customer)),
    );
    await sleep(200);
    let placingLate: typeof placing = [];
    try {
      await system.services.product.stop();
      placingLate = late.map((customer) => checkoutThroughOutage(customer));
      await sleep(1_000);
    } finally {
      await system.services.product.start();
    }
    const settled = await Promise.allSettled([...placing, ...placingLate]);
    const failed = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    assert.deepEqual(failed, []);
    const placed = settled.map(
      (result) => (result as PromiseFulfilledResult<Awaited<ReturnType<typeof checkoutThroughOutage>>>).value,
    );
    for (const { seen } of placed.slice(early.length))
      assert.equal(seen[0], 503, `answers: ${seen.join(',')}`);
    const orders = placed.map(({ order }) => order);

    for (const [index, customer] of customers.entries()) {
      const mine = await shop.expect(200, 'GET', '/api/v1/orders', { token: customer.token });
      assert.deepEqual(
        mine.body.items.map((order: { id: string; status: string }) => [order.id, order.status]),
        [[orders[index]!.id, 'PENDING_PAYMENT']],
      );
    }
    assert.deepEqual(await system.stock(product.id), { available: 14, reserved: 6 });
  });

  test('when Kafka is stopped mid-checkout, then orders and payments are still accepted, and the saga finishes once Kafka is back', async (t) => {
    const product = await shop.createProduct(admin, 4);
    const customer = await customerWithCart(product.id, 2);

    await system.kafka!.stop();
    t.after(() => system.kafka!.start());
    const order = (await shop.checkout(customer)).body;
    assert.equal(order.status, 'PENDING_PAYMENT');
    const paid = await shop.pay(customer, order.id, 'pm_card_visa');
    assert.equal(paid.status, 201, paid.text);
    assert.equal(paid.body.status, 'succeeded');
    // The outcome waits in payment's outbox: the order cannot have heard of it.
    const meanwhile = await shop.expect(200, 'GET', `/api/v1/orders/${order.id}`, { token: customer.token });
    assert.equal(meanwhile.body.status, 'PENDING_PAYMENT');

    await system.kafka!.start();
    await shop.orderReaches(customer, order.id, 'CONFIRMED', 120_000);
    await eventually('the hold to be committed', async () => {
      assert.deepEqual(await system.stock(product.id), { available: 2, reserved: 0 });
    });
  });
});
