import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PaymentRefundedV1, PaymentSucceededV1 } from '@shop/contracts';
import { eventually } from '@shop/testing';
import { startOrderSystem, type OrderSystem } from './support/order-system.ts';

// Stock held for one second, and both services sweeping often: an unpaid order is cancelled by expiry,
// and a payment that lands afterwards is handed back.

const address = {
  name: 'Grace Hopper',
  line1: '1 Navy Way',
  city: 'Arlington',
  postalCode: '22202',
  country: 'US',
};

describe('an unpaid order whose hold lapses', () => {
  let system: OrderSystem;
  before(async () => {
    system = await startOrderSystem(
      { RESERVATION_TTL_SECONDS: '1', ORDER_EXPIRY_SWEEP_INTERVAL_MS: '100' },
      { RESERVATION_SWEEP_INTERVAL_MS: '100' },
    );
  });
  after(() => system?.close());

  async function placeOne(quantity: number) {
    const product = await system.product.createProduct({ stock: 5 });
    const id = randomUUID();
    const headers = await system.auth.bearer(['customer'], { subject: id });
    const res = await system.http
      .post('/api/v1/orders')
      .set(headers)
      .set('idempotency-key', randomUUID())
      .send({ shippingAddress: address, items: [{ productId: product.id, quantity }] })
      .expect(201);
    return {
      product,
      headers,
      order: res.body as { id: string; total: { amount: number; currency: string } },
    };
  }

  const statusOf = async (headers: Record<string, string>, id: string) =>
    (await system.http.get(`/api/v1/orders/${id}`).set(headers).expect(200)).body as {
      status: string;
      reason: string;
    };

  test('is cancelled as expired and its stock goes back on sale', async () => {
    const { product, headers, order } = await placeOne(2);
    const cancelled = await eventually('the expiry sweep', async () => {
      const now = await statusOf(headers, order.id);
      return now.status === 'CANCELLED' && now;
    });
    assert.equal(cancelled.reason, 'expired');
    await eventually('stock back on sale', async () => {
      const stock = await system.stock(product.id);
      return stock.available === 5 && stock.reserved === 0;
    });
    const events = await system.eventsOf('order-events', 'order.cancelled.v1', order.id);
    assert.equal(events.length, 1);
  });

  test('a payment arriving after the expiry is refunded, and the order ends REFUNDED', async () => {
    const { headers, order } = await placeOne(1);
    await eventually(
      'the expiry sweep',
      async () => (await statusOf(headers, order.id)).status === 'CANCELLED',
    );
    await system.publish(PaymentSucceededV1, order.id, {
      paymentId: 'pay_late',
      orderId: order.id,
      amount: order.total,
    });
    const [request] = await eventually('order.refund-requested.v1', async () => {
      const events = await system.eventsOf('order-events', 'order.refund-requested.v1', order.id);
      return events.length > 0 && events;
    });
    assert.deepEqual((request as { data: unknown }).data, {
      orderId: order.id,
      customerId: (request as { data: { customerId: string } }).data.customerId,
      paymentId: 'pay_late',
      amount: order.total,
      reason: 'order-cancelled',
    });
    assert.equal((await statusOf(headers, order.id)).status, 'REFUND_PENDING');
    // The payment service answers the refund request.
    await system.publish(PaymentRefundedV1, order.id, {
      paymentId: 'pay_late',
      refundId: 're_1',
      orderId: order.id,
      amount: order.total,
    });
    await eventually('REFUNDED', async () => (await statusOf(headers, order.id)).status === 'REFUNDED');
  });
});
