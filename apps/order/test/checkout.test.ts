import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { InventoryCommittedV1, PaymentFailedV1, PaymentSucceededV1, type Money } from '@shop/contracts';
import { logicalShardOf, shardOfOrderId } from '@shop/sharding';
import { eventually } from '@shop/testing';
import { SHARD_COUNT, startOrderSystem, type OrderSystem } from './support/order-system.ts';

// The checkout and the saga through HTTP, against real PostgreSQL (the shards on two servers), Redis,
// Kafka and a running product service; the payment service is played by publishing its events.

const address = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};

interface OrderBody {
  id: string;
  status: string;
  total: Money;
  lines: { productId: string; quantity: number; unitPrice: Money }[];
  reason: string | null;
  expiresAt: string;
}

describe('checkout and the order saga', () => {
  let system: OrderSystem;
  before(async () => {
    system = await startOrderSystem();
  });
  after(() => system?.close());

  async function customer() {
    const id = randomUUID();
    return { id, headers: await system.auth.bearer(['customer'], { subject: id }) };
  }

  function checkout(
    who: { headers: Record<string, string> },
    items: { productId: string; quantity: number }[],
    key = randomUUID(),
  ) {
    return system.http
      .post('/api/v1/orders')
      .set(who.headers)
      .set('idempotency-key', key)
      .send({ shippingAddress: address, items });
  }

  async function orderOf(who: { headers: Record<string, string> }, id: string): Promise<OrderBody> {
    const res = await system.http.get(`/api/v1/orders/${id}`).set(who.headers).expect(200);
    return res.body as OrderBody;
  }

  const statusBecomes = (who: { headers: Record<string, string> }, id: string, status: string) =>
    eventually(`order ${id} ${status}`, async () => (await orderOf(who, id)).status === status && true, {
      timeoutMs: 30_000,
    });

  test('placed, stock held, paid, stock sold, confirmed', async () => {
    const product = await system.product.createProduct({
      stock: 5,
      price: { amount: 2_500, currency: 'EUR' },
    });
    const ada = await customer();
    const res = await checkout(ada, [{ productId: product.id, quantity: 2 }]).expect(201);
    const order = res.body as OrderBody;
    assert.equal(order.status, 'PENDING_PAYMENT');
    assert.deepEqual(order.total, { amount: 5_000, currency: 'EUR' }, 'priced by the catalog');
    assert.equal(res.headers['location'], `/api/v1/orders/${order.id}`);
    assert.equal(shardOfOrderId(order.id, SHARD_COUNT), logicalShardOf(ada.id, SHARD_COUNT), 'on her shard');
    assert.deepEqual(await system.stock(product.id), { available: 3, reserved: 2 });

    const shard = logicalShardOf(ada.id, SHARD_COUNT);
    const rows = await system.shards.sql<{ status: string }>(
      shard,
      'SELECT status FROM $schema.orders WHERE id = $1',
      [order.id],
    );
    assert.deepEqual(rows, [{ status: 'PENDING_PAYMENT' }], 'stored on the server the map names');
    const placed = await eventually('order.placed.v1', async () => {
      const events = await system.eventsOf('order-events', 'order.placed.v1', order.id);
      return events.length > 0 && events;
    });
    assert.equal(placed.length, 1);

    await system.publish(PaymentSucceededV1, order.id, {
      paymentId: 'pay_happy',
      orderId: order.id,
      amount: order.total,
    });
    await statusBecomes(ada, order.id, 'CONFIRMED');
    assert.deepEqual(
      await system.stock(product.id),
      { available: 3, reserved: 0 },
      'the held units are sold',
    );
  });

  test('a replayed key answers the first response; the same key with another body is 422', async () => {
    const product = await system.product.createProduct({ stock: 5 });
    const bob = await customer();
    const key = randomUUID();
    const first = await checkout(bob, [{ productId: product.id, quantity: 1 }], key).expect(201);
    const again = await checkout(bob, [{ productId: product.id, quantity: 1 }], key).expect(201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.text, first.text, 'byte for byte');
    await checkout(bob, [{ productId: product.id, quantity: 2 }], key).expect(422);
    const mine = await system.http.get('/api/v1/orders').set(bob.headers).expect(200);
    assert.equal(mine.body.items.length, 1, 'one order, however often the key is sent');
    assert.deepEqual(await system.stock(product.id), { available: 4, reserved: 1 });
  });

  test("another customer's order is a 404, to read and to cancel", async () => {
    const product = await system.product.createProduct({ stock: 5 });
    const owner = await customer();
    const stranger = await customer();
    const { body } = await checkout(owner, [{ productId: product.id, quantity: 1 }]).expect(201);
    await system.http.get(`/api/v1/orders/${body.id}`).set(stranger.headers).expect(404);
    await system.http.post(`/api/v1/orders/${body.id}/cancel`).set(stranger.headers).expect(404);
    assert.equal((await orderOf(owner, body.id)).status, 'PENDING_PAYMENT');
    // A well-formed id that names no shard, and one of a shard with nothing: both the same 404.
    await system.http
      .get('/api/v1/orders/00000000-0000-4000-8000-000000000000')
      .set(owner.headers)
      .expect(404);
  });

  test('cancelling before payment puts the stock back on sale', async () => {
    const product = await system.product.createProduct({ stock: 3 });
    const carol = await customer();
    const { body } = await checkout(carol, [{ productId: product.id, quantity: 3 }]).expect(201);
    assert.deepEqual(await system.stock(product.id), { available: 0, reserved: 3 });
    const cancelled = await system.http
      .post(`/api/v1/orders/${body.id}/cancel`)
      .set(carol.headers)
      .expect(200);
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.equal(cancelled.body.reason, 'customer-requested');
    await eventually('stock released', async () => {
      const stock = await system.stock(product.id);
      return stock.available === 3 && stock.reserved === 0;
    });
    await system.http.post(`/api/v1/orders/${body.id}/cancel`).set(carol.headers).expect(200);
  });

  test('a declined card keeps the order payable; a paid order cannot be cancelled', async () => {
    const product = await system.product.createProduct({ stock: 3 });
    const dan = await customer();
    const { body } = await checkout(dan, [{ productId: product.id, quantity: 1 }]).expect(201);
    await system.publish(PaymentFailedV1, body.id, {
      paymentId: 'pay_declined',
      orderId: body.id,
      amount: body.total,
      reason: 'card_declined',
    });
    await eventually(
      'the decline is recorded',
      async () => (await orderOf(dan, body.id)).reason === 'payment-failed: card_declined',
    );
    assert.equal((await orderOf(dan, body.id)).status, 'PENDING_PAYMENT');
    await system.publish(PaymentSucceededV1, body.id, {
      paymentId: 'pay_second_card',
      orderId: body.id,
      amount: body.total,
    });
    await statusBecomes(dan, body.id, 'CONFIRMED');
    const refused = await system.http.post(`/api/v1/orders/${body.id}/cancel`).set(dan.headers).expect(409);
    assert.equal(refused.body.code, 'ORDER_ERR_NOT_CANCELLABLE');
  });

  test('duplicate and out-of-order events change nothing', async () => {
    const product = await system.product.createProduct({ stock: 4 });
    const erin = await customer();
    const { body } = await checkout(erin, [{ productId: product.id, quantity: 2 }]).expect(201);
    // Stock committed before the order is paid: out of order, so ignored.
    await system.publish(InventoryCommittedV1, body.id, {
      orderId: body.id,
      items: [{ productId: product.id, quantity: 2 }],
    });
    const payment = { paymentId: 'pay_dup', orderId: body.id, amount: body.total };
    const eventId = randomUUID();
    await system.publish(PaymentSucceededV1, body.id, payment, eventId);
    await system.publish(PaymentSucceededV1, body.id, payment, eventId);
    await system.publish(PaymentSucceededV1, body.id, payment);
    await statusBecomes(erin, body.id, 'CONFIRMED');
    assert.deepEqual(await system.stock(product.id), { available: 2, reserved: 0 }, 'sold once');
    const paid = await system.eventsOf('order-events', 'order.paid.v1', body.id);
    assert.equal(paid.length, 1, 'one order.paid.v1 whatever was redelivered');
    const refunds = await system.eventsOf('order-events', 'order.refund-requested.v1', body.id);
    assert.equal(refunds.length, 0, 'a redelivered payment is not a second payment');
  });

  test('200 concurrent checkouts for 50 units: exactly 50 orders, stock 0', async () => {
    const product = await system.product.createProduct({ stock: 50 });
    const buyers = await Promise.all(Array.from({ length: 200 }, () => customer()));
    const answers = await Promise.all(
      buyers.map((buyer) => checkout(buyer, [{ productId: product.id, quantity: 1 }])),
    );
    const byStatus = new Map<number, number>();
    for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(byStatus), { 201: 50, 409: 150 });
    for (const refused of answers.filter((answer) => answer.status === 409))
      assert.equal(refused.body.code, 'ORDER_ERR_INSUFFICIENT_STOCK');
    assert.deepEqual(await system.stock(product.id), { available: 0, reserved: 50 });
    const stored = await system.shards.countAll(
      'SELECT count(*) FROM $schema.order_lines WHERE product_id = $1',
      [product.id],
    );
    assert.equal(stored, 50, 'exactly one order row per unit, over all shards');
  });
});
