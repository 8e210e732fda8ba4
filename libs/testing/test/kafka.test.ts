import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { after, describe, it } from 'node:test';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { KAFKA_VERSION, createTestTopic, getKafka, startKafkaBroker, uniqueTopicName } from '../src/index.ts';

function client(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'testing-kit-test', brokers, logLevel: logLevel.NOTHING });
}

async function produce(brokers: string[], topic: string, values: string[]): Promise<void> {
  const producer = client(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: value, value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Consumes from the start of `topic` in a fresh consumer group until `count` messages arrived. */
async function consume(brokers: string[], topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = client(brokers).consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<KafkaMessage[]>((resolve, reject) => {
      const received: KafkaMessage[] = [];
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push(message);
            if (received.length === count) resolve(received);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

describe(`Kafka ${KAFKA_VERSION} test broker`, () => {
  it('when a message is produced, then a consumer group receives it with its key and value', async () => {
    const { brokers } = await getKafka();
    const topic = await createTestTopic('roundtrip');
    await produce(brokers, topic, ['order-1']);
    const [message] = await consume(brokers, topic, 1);
    assert.equal(message?.key?.toString(), 'order-1');
    assert.equal(message?.value?.toString(), 'order-1');
  });

  it('when a topic is created with 3 partitions, then metadata lists 3 partitions and each accepts messages', async () => {
    const { brokers } = await getKafka();
    const topic = await createTestTopic('partitioned', { partitions: 3 });
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.deepEqual(
        metadata.topics[0]?.partitions.map((partition) => partition.partitionId).sort(),
        [0, 1, 2],
      );
      // Idempotent: a send retried after a timeout on a loaded machine must not store a message twice
      // (seen in CI: one partition held two).
      const producer = client(brokers).producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
      });
      await producer.connect();
      await producer.send({
        topic,
        messages: [0, 1, 2].map((partition) => ({ partition, value: `p${partition}` })),
      });
      await producer.disconnect();
      const offsets = await admin.fetchTopicOffsets(topic);
      assert.deepEqual(offsets.map((offset) => offset.high).sort(), ['1', '1', '1']);
    } finally {
      await admin.disconnect();
    }
  });

  it('when topic names are requested with the same label, then they differ and are valid Kafka names', () => {
    const first = uniqueTopicName('Order Placed');
    assert.notEqual(first, uniqueTopicName('Order Placed'));
    assert.match(first, /^test-order-placed-[0-9a-f]{10}$/);
  });

  describe('a dedicated broker', async () => {
    const broker = await startKafkaBroker();
    after(() => broker.dispose());

    it('when it is stopped and started again, then it is unreachable meanwhile and keeps its messages', async () => {
      const topic = uniqueTopicName('outage');
      const admin = client(broker.brokers).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic }] });
      await admin.disconnect();
      await produce(broker.brokers, topic, ['before-outage']);

      await broker.stop();
      await assert.rejects(tcpConnect(broker.port), /ECONNREFUSED/);

      await broker.start();
      assert.deepEqual(broker.brokers, [`127.0.0.1:${broker.port}`]);
      await produce(broker.brokers, topic, ['after-outage']);
      const messages = await consume(broker.brokers, topic, 2);
      assert.deepEqual(
        messages.map((message) => message.value?.toString()),
        ['before-outage', 'after-outage'],
      );
    });
  });
});
