import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OrderCancelledV1, OrderPaidV1, type EventContract, type EventData } from '@shop/contracts';
import { PostgresBroker, prepareEvent } from '@shop/events';
import { eventually, TestClock } from '@shop/testing';
import { ORDER_OUTCOMES_GROUP } from '../../src/consumers/order-outcomes.consumer.ts';
import { createProduct, startProduct, type ProductTestContext } from '../helper.ts';

interface BusEvent {
  id: string;
  type: string;
  subject: string;
  key: string | null;
  data: Record<string, unknown>;
}

describe('the order outcomes consumer (on the PostgreSQL stand-in bus)', () => {
  let ctx: ProductTestContext;
  let bus: PostgresBroker;
  // The use cases' clock: holds lapse when the test moves time, and the sweep (every 50 ms) releases them.
  const clock = new TestClock(Date.now());
  before(async () => {
    ctx = await startProduct(
      { OUTBOX_RELAY_ENABLED: 'true', RESERVATION_SWEEP_INTERVAL_MS: '50' },
      { now: clock.now },
    );
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

  async function eventsOn(topic: string): Promise<BusEvent[]> {
    const events = [];
    for await (const message of bus.readTopic(topic)) {
      events.push({ ...(JSON.parse(message.value ?? '{}') as Omit<BusEvent, 'key'>), key: message.key });
    }
    return events;
  }

  /** The inventory events relayed for an order, once there are at least `count`. */
  const answersTo = (order: string, count = 1) =>
    eventually(`${count} inventory answer(s) to ${order}`, async () => {
      const answers = (await eventsOn('inventory-events')).filter(
        (event) =>
          event.subject === order &&
          (event.type === 'inventory.committed.v1' || event.type === 'inventory.commit-failed.v1'),
      );
      return answers.length >= count && answers;
    });

  /** Events of the order topic are handled in order: once a later one is handled, the earlier ones are. */
  async function handledUpTo(): Promise<void> {
    const marker = `order-${crypto.randomUUID()}`;
    await publish(OrderCancelledV1, marker, {
      orderId: marker,
      customerId: 'customer-marker',
      reason: 'customer-requested',
    });
    await eventually('the marker event', async () => (await reservationStatus(marker)) === 'released');
  }

  async function deadLettered(eventIds: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for await (const message of bus.readTopic(`${ORDER_OUTCOMES_GROUP}.dlq`)) {
      const id = message.value ? (JSON.parse(message.value) as { id: string }).id : undefined;
      if (id && eventIds.includes(id)) found.push(id);
    }
    return found;
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
  const reserve = (order: string, items: { productId: string; quantity: number }[], ttlSeconds?: number) =>
    ctx.http
      .put(`/internal/v1/inventory/reservations/${order}`)
      .set(ctx.asService)
      .send({ items, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) })
      .expect(201);
  /** Reserves with a 1 s hold, lets it lapse and waits for the sweep to release it. */
  async function reserveAndLapse(order: string, items: { productId: string; quantity: number }[]) {
    await reserve(order, items, 1);
    clock.advance(1_001);
    await eventually(
      'the sweep releasing the lapsed hold',
      async () => (await reservationStatus(order)) === 'released',
    );
  }
  const paid = (order: string, items: { productId: string; quantity: number }[]) => ({
    orderId: order,
    customerId: 'customer-1',
    paymentId: `payment-${order}`,
    items,
    total: { amount: 1999, currency: 'USD' },
  });
  const newOrder = () => `order-${crypto.randomUUID()}`;

  test('when order.paid.v1 is delivered twice, then the held stock is sold once, inventory.committed.v1 is published once and the inbox records the event', async () => {
    const { id } = await createProduct(ctx, { stock: 10 });
    const order = newOrder();
    const items = [{ productId: id, quantity: 4 }];
    await reserve(order, items);
    const envelope = await publish(OrderPaidV1, order, paid(order, items));
    await publish(OrderPaidV1, order, paid(order, items), envelope.id);
    await handledUpTo();

    assert.equal(await reservationStatus(order), 'committed');
    assert.deepEqual(await stock(id), { available: 6, reserved: 0 });
    const inbox = await ctx.sql('SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2', [
      ORDER_OUTCOMES_GROUP,
      envelope.id,
    ]);
    assert.equal(inbox.length, 1);
    const answers = await answersTo(order);
    assert.deepEqual(
      answers.map((event) => [event.type, event.key, event.data]),
      [['inventory.committed.v1', order, { orderId: order, items }]],
    );
  });

  test('when order.paid.v1 arrives after the hold lapsed and was released, and the units are still there, then they are taken again and sold', async () => {
    const { id } = await createProduct(ctx, { stock: 5 });
    const order = newOrder();
    const items = [{ productId: id, quantity: 3 }];
    await reserveAndLapse(order, items);
    assert.deepEqual(await stock(id), { available: 5, reserved: 0 });

    await publish(OrderPaidV1, order, paid(order, items));

    const [answer] = await answersTo(order);
    assert.equal(answer!.type, 'inventory.committed.v1');
    assert.equal(await reservationStatus(order), 'committed');
    assert.deepEqual(await stock(id), { available: 2, reserved: 0 });
  });

  test('when order.paid.v1 arrives after the hold lapsed and its units were sold meanwhile, then inventory.commit-failed.v1 says what is available, nothing is sold and no count goes below zero', async () => {
    const plenty = await createProduct(ctx, { stock: 10 });
    const scarce = await createProduct(ctx, { stock: 2 });
    const order = newOrder();
    const items = [
      { productId: plenty.id, quantity: 1 },
      { productId: scarce.id, quantity: 2 },
    ].sort((a, b) => (a.productId < b.productId ? -1 : 1));
    await reserveAndLapse(order, items);
    // Another customer takes one of the two scarce units the lapsed hold gave back.
    await reserve(newOrder(), [{ productId: scarce.id, quantity: 1 }]);

    const envelope = await publish(OrderPaidV1, order, paid(order, items));

    const [answer] = await answersTo(order);
    assert.equal(answer!.type, 'inventory.commit-failed.v1');
    assert.deepEqual(answer!.data, {
      orderId: order,
      reason: 'reservation-expired',
      unavailable: [{ productId: scarce.id, requested: 2, available: 1 }],
    });
    assert.equal(await reservationStatus(order), 'released');
    assert.deepEqual(await stock(plenty.id), { available: 10, reserved: 0 }, 'all lines or none');
    assert.deepEqual(await stock(scarce.id), { available: 1, reserved: 1 });
    await handledUpTo();
    assert.deepEqual(await deadLettered([envelope.id]), []);
  });

  test('when order.paid.v1 names an order that reserved nothing, then inventory.commit-failed.v1 answers reservation-missing instead of a dead letter, and a late reserve for it is refused', async () => {
    const order = newOrder();
    const { id } = await createProduct(ctx, { stock: 3 });
    const envelope = await publish(OrderPaidV1, order, paid(order, [{ productId: id, quantity: 1 }]));

    const [answer] = await answersTo(order);
    assert.equal(answer!.type, 'inventory.commit-failed.v1');
    assert.deepEqual(answer!.data, { orderId: order, reason: 'reservation-missing' });
    assert.deepEqual(await stock(id), { available: 3, reserved: 0 });
    const lateReserve = await ctx.http
      .put(`/internal/v1/inventory/reservations/${order}`)
      .set(ctx.asService)
      .send({ items: [{ productId: id, quantity: 1 }] })
      .expect(409);
    assert.equal(
      lateReserve.body.code,
      'INVENTORY_ERR_RESERVATION_RELEASED',
      'no hold for an order being refunded',
    );
    await handledUpTo();
    assert.deepEqual(await deadLettered([envelope.id]), []);
  });

  test('when a second, distinct order.paid.v1 arrives for an order already sold, then inventory.committed.v1 is answered again and nothing more is sold', async () => {
    const { id } = await createProduct(ctx, { stock: 4 });
    const order = newOrder();
    const items = [{ productId: id, quantity: 2 }];
    await reserve(order, items);
    await publish(OrderPaidV1, order, paid(order, items));
    await answersTo(order);

    await publish(OrderPaidV1, order, paid(order, items));

    const answers = await answersTo(order, 2);
    assert.deepEqual(
      answers.map((event) => event.type),
      ['inventory.committed.v1', 'inventory.committed.v1'],
    );
    assert.deepEqual(await stock(id), { available: 2, reserved: 0 });
  });

  test('when order.cancelled.v1 arrives, then the held stock goes back on sale', async () => {
    const { id } = await createProduct(ctx, { stock: 3 });
    const order = newOrder();
    await reserve(order, [{ productId: id, quantity: 3 }]);
    await publish(OrderCancelledV1, order, {
      orderId: order,
      customerId: 'customer-2',
      reason: 'payment-failed',
    });
    await eventually('the release', async () => (await reservationStatus(order)) === 'released');
    assert.deepEqual(await stock(id), { available: 3, reserved: 0 });
  });

  test('when order.cancelled.v1 names a released, a sold or an unknown reservation, then nothing changes and nothing is dead-lettered', async () => {
    const { id } = await createProduct(ctx, { stock: 6 });
    const released = newOrder();
    const sold = newOrder();
    const unknown = newOrder();
    await reserveAndLapse(released, [{ productId: id, quantity: 1 }]);
    await reserve(sold, [{ productId: id, quantity: 2 }]);
    await publish(OrderPaidV1, sold, paid(sold, [{ productId: id, quantity: 2 }]));
    await answersTo(sold);

    const cancellations = [];
    for (const order of [released, sold, unknown]) {
      cancellations.push(
        await publish(OrderCancelledV1, order, {
          orderId: order,
          customerId: 'customer-3',
          reason: 'expired',
        }),
      );
    }
    await handledUpTo();

    assert.deepEqual(await deadLettered(cancellations.map((envelope) => envelope.id)), []);
    assert.equal(await reservationStatus(released), 'released');
    assert.equal(await reservationStatus(sold), 'committed', 'a sale is undone by a refund, not a release');
    assert.deepEqual(await stock(id), { available: 4, reserved: 0 });
    const releasedEvents = (await eventsOn('inventory-events')).filter(
      (event) => event.type === 'inventory.released.v1' && [sold, unknown].includes(event.subject),
    );
    assert.deepEqual(releasedEvents, []);
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
