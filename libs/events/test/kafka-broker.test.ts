import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabase, getKafka, uniqueTopicName, eventually } from '@shop/testing';
import { KafkaBroker, type MessageBroker } from '../src/index.ts';
import { brokerContractSuite } from './broker-contract.suite.ts';
import { testLogger } from './support/test-logger.ts';

brokerContractSuite('Kafka broker', async () => {
  const [{ brokers }, database] = await Promise.all([getKafka(), createTestDatabase('events-kafka-broker')]);
  const clients: MessageBroker[] = [];
  return {
    databaseUrl: database.url,
    connect: () => {
      const client = new KafkaBroker({
        brokers,
        clientId: 'events-test',
        topics: { numPartitions: 3, replicationFactor: 1 },
        logger: testLogger(),
      });
      clients.push(client);
      return client;
    },
    topic: (label) => uniqueTopicName(label),
    close: async () => {
      await Promise.all(clients.map((client) => client.close()));
      await database.drop();
    },
  };
});

let slowBroker: KafkaBroker;

before(async () => {
  const { brokers } = await getKafka();
  // The shortest session Kafka accepts (group.min.session.timeout.ms), so a handler can outlast it.
  slowBroker = new KafkaBroker({
    brokers,
    clientId: 'events-test-slow',
    topics: { numPartitions: 1, replicationFactor: 1 },
    consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 20_000 },
    logger: testLogger(),
  });
});

after(() => slowBroker.close());

test('when a handler runs longer than the session timeout, then the member keeps its partitions and handles the message once', async () => {
  const topic = uniqueTopicName('slow-handler');
  const calls: string[] = [];
  const subscription = await slowBroker.subscribe({
    groupId: `slow-${randomUUID()}`,
    topics: [topic],
    handle: async (message) => {
      calls.push(message.value ?? '');
      if (message.value === 'slow') await new Promise((resolve) => setTimeout(resolve, 8_000));
    },
  });
  try {
    await slowBroker.publish([
      { topic, key: 'k', value: 'slow', headers: {} },
      { topic, key: 'k', value: 'next', headers: {} },
    ]);
    await eventually('the message after the slow one', () => calls.includes('next'));
    assert.deepEqual(
      calls,
      ['slow', 'next'],
      'an evicted member would have been handed the slow message again',
    );
  } finally {
    await subscription.close();
  }
});

test('when a member crashes with an error kafkajs does not restart after, then the subscription rebuilds it and the message is handled again', async (t) => {
  const { brokers } = await getKafka();
  const logger = testLogger();
  const broker = new KafkaBroker({
    brokers,
    clientId: 'events-test-crash',
    topics: { numPartitions: 1, replicationFactor: 1 },
    logger,
  });
  t.after(() => broker.close());
  const topic = uniqueTopicName('crash');
  const sent = ['first', 'second'];
  await broker.publish(sent.map((value) => ({ topic, key: 'same-key', value, headers: {} })));

  const handled: (string | null)[] = [];
  const subscription = await broker.subscribe({
    groupId: `crash-${randomUUID()}`,
    topics: [topic],
    handle: async (message) => {
      handled.push(message.value);
      // kafkajs restarts a member itself only after retriable errors; this one stops it for good.
      if (handled.length === 1) throw Object.assign(new Error('fatal handler error'), { retriable: false });
    },
  });
  t.after(() => subscription.close());

  await eventually('both messages handled after the rebuild', () => handled.length >= 3, {
    timeoutMs: 30_000,
  });
  assert.deepEqual(
    handled,
    ['first', 'first', 'second'],
    'the failed message again, then the next, in order',
  );
  const crash = logger.entries.find(
    (entry) => entry.message === 'events: Kafka consumer crashed; restarting it',
  );
  assert.equal((crash?.details as { restartedBy?: string } | undefined)?.restartedBy, 'events');
});

test('when several processes start on the same new topics at once, then every publish and subscription succeeds and every message arrives', async () => {
  const { brokers } = await getKafka();
  const clients = Array.from(
    { length: 4 },
    (_, i) =>
      new KafkaBroker({
        brokers,
        clientId: `events-test-race-${i}`,
        topics: { numPartitions: 3, replicationFactor: 1 },
        logger: testLogger(),
      }),
  );
  try {
    for (let round = 0; round < 3; round++) {
      const topics = [0, 1, 2].map((n) => uniqueTopicName(`race-${round}-${n}`));
      // Overlapping sets, so each topic is created by one client while others find it just created.
      const topicsOf = (i: number) => [topics[i % 3]!, topics[(i + 1) % 3]!];
      const received = new Set<string>();
      const subscriptions = await Promise.all(
        clients.map((client, i) =>
          client.subscribe({
            groupId: `race-${randomUUID()}`,
            topics: topicsOf(i),
            handle: async (message) => {
              received.add(`${i}:${message.value}`);
            },
          }),
        ),
      );
      try {
        await Promise.all(
          clients.map((client, i) =>
            client.publish(
              topicsOf(i).map((topic) => ({ topic, key: `k${i}`, value: `${topic}/${i}`, headers: {} })),
            ),
          ),
        );
        // Each subscriber reads both its topics; each topic got messages from the two publishers writing to it.
        const expected = clients.flatMap((_, i) =>
          topicsOf(i).flatMap((topic) =>
            clients
              .map((__, p) => p)
              .filter((p) => topicsOf(p).includes(topic))
              .map((p) => `${i}:${topic}/${p}`),
          ),
        );
        await eventually(`${expected.length} deliveries in round ${round + 1}`, () =>
          expected.every((delivery) => received.has(delivery)),
        );
        assert.equal(received.size, expected.length);
      } finally {
        await Promise.all(subscriptions.map((subscription) => subscription.close()));
      }
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
