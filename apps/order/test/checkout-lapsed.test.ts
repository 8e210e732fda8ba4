import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PaymentSucceededV1 } from '@shop/contracts';
import { eventually } from '@shop/testing';
import { startOrderSystem, type OrderSystem } from './support/order-system.ts';

// The product service releases a lapsed hold at once while the order service's own expiry sweep is far
// off: a payment can then land on an order whose units were sold to someone else meanwhile.
// Also here: checkout from the cart, and a product-service outage.

const address = {
  name: 'Alan Turing',
  line1: 'Bletchley Park',
  city: 'Milton Keynes',
  postalCode: 'MK3 6EB',
  country: 'GB',
};

describe('checkout when the product service is slow to answer or gone', () => {
  let system: OrderSystem;
  before(async () => {
    system = await startOrderSystem(
      { RESERVATION_TTL_SECONDS: '1', ORDER_EXPIRY_SWEEP_INTERVAL_MS: '600000' },
      { RESERVATION_SWEEP_INTERVAL_MS: '100' },
    );
  });
  after(() => system?.close());

  const customer = async () => {
    const id = randomUUID();
    return system.auth.bearer(['customer'], { subject: id });
  };
  const place = (headers: Record<string, string>, body: object, key = randomUUID()) =>
    system.http.post('/api/v1/orders').set(headers).set('idempotency-key', key).send(body);

  test('stock sold to another after a lapsed hold: the paid order asks for its refund', async () => {
    const product = await system.product.createProduct({ stock: 2 });
    const first = await customer();
    const { body: order } = await place(first, {
      shippingAddress: address,
      items: [{ productId: product.id, quantity: 2 }],
    }).expect(201);
    await eventually(
      'the product service released the lapsed hold',
      async () => (await system.stock(product.id)).available === 2,
    );
    // Someone else buys and pays for both units (their hold would lapse too, so they pay at once).
    const second = await customer();
    const { body: other } = await place(second, {
      shippingAddress: address,
      items: [{ productId: product.id, quantity: 2 }],
    }).expect(201);
    await system.publish(PaymentSucceededV1, other.id, {
      paymentId: 'pay_other',
      orderId: other.id,
      amount: other.total,
    });
    await eventually('the units are sold to the other customer', async () => {
      const stock = await system.stock(product.id);
      return stock.available === 0 && stock.reserved === 0;
    });

    await system.publish(PaymentSucceededV1, order.id, {
      paymentId: 'pay_lapsed',
      orderId: order.id,
      amount: order.total,
    });
    const [request] = await eventually('order.refund-requested.v1', async () => {
      const events = await system.eventsOf('order-events', 'order.refund-requested.v1', order.id);
      return events.length > 0 && events;
    });
    assert.equal((request as { data: { reason: string } }).data.reason, 'stock-unavailable');
    const now = await system.http.get(`/api/v1/orders/${order.id}`).set(first).expect(200);
    assert.equal(now.body.status, 'REFUND_PENDING');
    assert.deepEqual(
      await system.stock(product.id),
      { available: 0, reserved: 0 },
      'never below zero, never sold twice',
    );
  });

  test('checkout from the cart: priced and held from its lines, then the cart is empty', async () => {
    const product = await system.product.createProduct({
      stock: 5,
      price: { amount: 1_250, currency: 'USD' },
    });
    const headers = await customer();
    await system.http.put(`/api/v1/cart/items/${product.id}`).set(headers).send({ quantity: 3 }).expect(200);
    const { body: order } = await place(headers, { shippingAddress: address }).expect(201);
    assert.deepEqual(order.total, { amount: 3_750, currency: 'USD' });
    assert.equal(order.lines[0].quantity, 3);
    const cart = await system.http.get('/api/v1/cart').set(headers).expect(200);
    assert.equal(cart.body.lines.length, 0);
  });

  test('the product service down: checkout fails fast with 503 + Retry-After and writes nothing', async () => {
    const product = await system.product.createProduct({ stock: 5 });
    const headers = await customer();
    const before = await system.shards.countAll('SELECT count(*) FROM $schema.orders');
    await system.product.process.stop();
    try {
      const key = randomUUID();
      const body = { shippingAddress: address, items: [{ productId: product.id, quantity: 1 }] };
      const res = await place(headers, body, key).expect(503);
      assert.ok(Number(res.headers['retry-after']) > 0);
      assert.equal(
        await system.shards.countAll('SELECT count(*) FROM $schema.orders'),
        before,
        'nothing half-written',
      );
      assert.equal(
        await system.shards.countAll(
          'SELECT count(*) FROM $schema.idempotency_keys WHERE key = $1 AND response_status IS NOT NULL',
          [key],
        ),
        0,
        'a 503 is not recorded: the retry runs again',
      );
      await system.product.process.start();
      await place(headers, body, key).expect(201);
    } finally {
      await system.product.process.start();
    }
  });
});
