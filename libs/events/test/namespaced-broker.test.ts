import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, eventually, type TestDatabase } from '@shop/testing';
import {
  PostgresBroker,
  withTopicNamespace,
  type IncomingMessage,
  type MessageBroker,
} from '../src/index.ts';
import { testLogger } from './support/test-logger.ts';

// Two environments on one bus (a shared Kafka cluster in production, here the stand-in's database): each
// sees only its own events and its consumer groups stay its own.

let database: TestDatabase;
let raw: MessageBroker;
const brokers: MessageBroker[] = [];
before(async () => {
  database = await createTestDatabase('events-namespace');
  raw = new PostgresBroker({ connectionString: database.url, logger: testLogger(), pollIntervalMs: 100 });
});
after(async () => {
  await Promise.all(brokers.map((broker) => broker.close()));
  await raw.close();
  await database.drop();
});

function namespaced(namespace: string): MessageBroker {
  const broker = withTopicNamespace(
    new PostgresBroker({ connectionString: database.url, logger: testLogger(), pollIntervalMs: 100 }),
    namespace,
  );
  brokers.push(broker);
  return broker;
}

const message = (value: string) => ({ topic: 'order-events', key: 'order-1', value, headers: {} });

test('when two namespaces share a bus, then each group receives only its own namespace, under the contract topic', async () => {
  const staging = namespaced('staging');
  const production = namespaced('production');
  const received: Record<string, IncomingMessage[]> = { staging: [], production: [] };
  for (const [name, broker] of Object.entries({ staging, production })) {
    await broker.subscribe({
      groupId: 'product.order-outcomes',
      topics: ['order-events'],
      handle: async (incoming) => void received[name]!.push(incoming),
    });
  }
  await staging.publish([message('for staging')]);
  await production.publish([message('for production')]);

  await eventually(
    'both delivered',
    async () => received['staging']!.length === 1 && received['production']!.length === 1,
  );
  assert.equal(received['staging']![0]!.value, 'for staging');
  assert.equal(
    received['staging']![0]!.topic,
    'order-events',
    'the prefix is removed from what is delivered',
  );
  assert.equal(received['production']![0]!.value, 'for production');

  const onTheBus = [];
  for await (const stored of raw.readTopic('staging.order-events')) onTheBus.push(stored.value);
  assert.deepEqual(onTheBus, ['for staging'], 'stored under the prefixed topic');
  const unprefixed = [];
  for await (const stored of raw.readTopic('order-events')) unprefixed.push(stored.value);
  assert.deepEqual(unprefixed, [], 'nothing under the bare contract topic');

  const readBack = [];
  for await (const stored of production.readTopic('order-events')) readBack.push(stored.topic);
  assert.deepEqual(readBack, ['order-events']);
});
