import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OrderCancelledV1, OrderConfirmedV1, type EventContract, type EventData } from '@shop/contracts';
import { PostgresBroker, prepareEvent } from '@shop/events';
import { eventually } from '@shop/testing';
import { ORDER_OUTCOMES_GROUP } from '../../src/consumers/order-outcomes.consumer.ts';
import { createProduct, startProduct, type ProductTestContext } from '../helper.ts';

describe('the order outcomes consumer (on the PostgreSQL stand-in bus)', () => {
  let ctx: ProductTestContext;
  let bus: PostgresBroker;
  before(async () => {
    ctx = await startProduct({ OUTBOX_RELAY_ENABLED: 'true' });
    // The service uses its own database as the stand-in bus when EVENT_BUS_DATABASE_URL is unset.
    bus = new PostgresBroker({ connectionString: ctx.databaseUrl });
  });
  after(async () => {
    await bus.close();
    await ctx.close();
  });

  async function publish<C extends EventContract>(
    contract: C,
    subject: string,
    data: EventData<C>,
    id?: string,
  ) {
    const { topic, envelope } = prepareEvent(contract, { subject, data, ...(id ? { id } : {}) });
    await bus.publish([{ topic, key: subject, value: JSON.stringify(envelope), headers: {} }]);
    return envelope;
  }

  async function eventsOn(topic: string): Promise<{ type: string; subject: string; key: string | null }[]> {
    const events = [];
    for await (const message of bus.readTopic(topic)) {
      events.push({
        ...(JSON.parse(message.value ?? '{}') as { type: string; subject: string }),
        key: message.key,
      });
    }
    return events;
  }

  const reservationStatus = async (order: string) =>
    (
      await ctx.sql<{ status: string }>('SELECT status FROM stock_reservations WHERE order_id = $1', [order])
    )[0]?.status;
  const stock = async (productId: string) =>
    (
      await ctx.sql<{ available: number; reserved: number }>(
        'SELECT available, reserved FROM stock_levels WHERE product_id = $1',
        [productId],
      )
    )[0];
  const reserve = (order: string, productId: string, quantity: number) =>
    ctx.http
      .put(`/internal/v1/inventory/reservations/${order}`)
      .set(ctx.asService)
      .send({ items: [{ productId, quantity }] })
      .expect(201);

  test('when order.confirmed.v1 arrives twice, then the held stock is sold once and the inbox records the event', async () => {
    const { id } = await createProduct(ctx, { stock: 10 });
    const order = `order-${crypto.randomUUID()}`;
    await reserve(order, id, 4);
    const data = { orderId: order, customerId: 'customer-1', paymentId: 'payment-1' };
    const envelope = await publish(OrderConfirmedV1, order, data);
    await publish(OrderConfirmedV1, order, data, envelope.id);
    await eventually('the commit', async () => (await reservationStatus(order)) === 'committed');
    await eventually(
      'the inbox record',
      async () =>
        (
          await ctx.sql('SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2', [
            ORDER_OUTCOMES_GROUP,
            envelope.id,
          ])
        ).length === 1,
    );
    // A later event on the topic proves the duplicate was handled (skipped) before it.
    const marker = `order-${crypto.randomUUID()}`;
    await publish(OrderCancelledV1, marker, {
      orderId: marker,
      customerId: 'customer-1',
      reason: 'customer-requested',
    });
    await eventually('the marker event', async () => (await reservationStatus(marker)) === 'released');
    assert.deepEqual(await stock(id), { available: 6, reserved: 0 });
    let committed = 0;
    await eventually('the relayed inventory.committed.v1', async () => {
      committed = (await eventsOn('inventory-events')).filter(
        (event) => event.type === 'inventory.committed.v1' && event.subject === order,
      ).length;
      return committed > 0;
    });
    assert.equal(committed, 1);
  });

  test('when order.cancelled.v1 arrives, then the held stock goes back on sale', async () => {
    const { id } = await createProduct(ctx, { stock: 3 });
    const order = `order-${crypto.randomUUID()}`;
    await reserve(order, id, 3);
    await publish(OrderCancelledV1, order, {
      orderId: order,
      customerId: 'customer-2',
      reason: 'payment-failed',
    });
    await eventually('the release', async () => (await reservationStatus(order)) === 'released');
    assert.deepEqual(await stock(id), { available: 3, reserved: 0 });
  });

  test('when order.confirmed.v1 names an order without a reservation, then it is dead-lettered at once, not retried', async () => {
    const order = `order-${crypto.randomUUID()}`;
    const envelope = await publish(OrderConfirmedV1, order, {
      orderId: order,
      customerId: 'customer-3',
      paymentId: 'payment-3',
    });
    let reason: string | undefined;
    await eventually('the dead letter', async () => {
      for await (const message of bus.readTopic(`${ORDER_OUTCOMES_GROUP}.dlq`)) {
        if (message.value && JSON.parse(message.value).id === envelope.id)
          reason = message.headers['dlq-reason'];
      }
      return reason !== undefined;
    });
    assert.equal(reason, 'rejected');
  });

  test('when a product is created, then the relay publishes product.created.v1 to the bus', async () => {
    const { id } = await createProduct(ctx);
    await eventually('the relayed product.created.v1', async () => {
      for await (const message of bus.readTopic('product-events')) {
        const event = JSON.parse(message.value ?? '{}');
        if (event.type === 'product.created.v1' && event.subject === id) return message.key === id;
      }
      return false;
    });
  });
});
