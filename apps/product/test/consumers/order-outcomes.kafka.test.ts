import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OrderPaidV1 } from '@shop/contracts';
import { createMessageBroker, prepareEvent, type MessageBroker } from '@shop/events';
import { eventually, getKafka } from '@shop/testing';
import { createProduct, startProduct, type ProductTestContext } from '../helper.ts';

describe('the product service on a real Kafka', () => {
  let ctx: ProductTestContext;
  let kafka: MessageBroker;
  before(async () => {
    const { brokers } = await getKafka();
    ctx = await startProduct({
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PARTITIONS: '3',
      OUTBOX_RELAY_ENABLED: 'true',
    });
    kafka = createMessageBroker({
      clientId: 'product-test',
      kafkaBrokers: brokers,
      topics: { numPartitions: 3, replicationFactor: 1 },
    });
  });
  after(async () => {
    await kafka.close();
    await ctx.close();
  });

  test('when order.paid.v1 arrives through Kafka, then the stock is sold and inventory.committed.v1 is relayed back to Kafka', async () => {
    const { id } = await createProduct(ctx, { stock: 5 });
    const order = `order-${crypto.randomUUID()}`;
    await ctx.http
      .put(`/internal/v1/inventory/reservations/${order}`)
      .set(ctx.asService)
      .send({ items: [{ productId: id, quantity: 2 }] })
      .expect(201);

    const { topic, envelope } = prepareEvent(OrderPaidV1, {
      subject: order,
      data: {
        orderId: order,
        customerId: 'customer-k',
        paymentId: 'payment-k',
        items: [{ productId: id, quantity: 2 }],
        total: { amount: 3998, currency: 'USD' },
      },
    });
    await kafka.publish([{ topic, key: order, value: JSON.stringify(envelope), headers: {} }]);

    // The relay deletes an outbox row once Kafka acknowledged it; the event then lives on the topic.
    const relayedKey = await eventually('inventory.committed.v1 on inventory-events', async () => {
      for await (const message of kafka.readTopic('inventory-events')) {
        const event = message.value ? JSON.parse(message.value) : {};
        if (event.type === 'inventory.committed.v1' && event.subject === order) return message.key;
      }
      return false;
    });
    assert.equal(relayedKey, order, 'inventory.committed.v1 is keyed by the order id');
    const [stock] = await ctx.sql<{ available: number; reserved: number }>(
      'SELECT available, reserved FROM stock_levels WHERE product_id = $1',
      [id],
    );
    assert.deepEqual(stock, { available: 3, reserved: 0 });
    const pending = await ctx.sql('SELECT 1 FROM outbox_events WHERE key = $1', [order]);
    assert.deepEqual(pending, [], 'nothing left waiting in the outbox');
  });
});
