import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { PostgresBroker, type MessageBroker } from '../src/index.ts';
import { createTestDatabase, eventually } from '@shop/testing';
import { brokerContractSuite } from './broker-contract.suite.ts';
import { testLogger } from './support/test-logger.ts';

brokerContractSuite('PostgreSQL stand-in broker', async () => {
  const database = await createTestDatabase('events-postgres-broker');
  const clients: MessageBroker[] = [];
  return {
    databaseUrl: database.url,
    connect: () => {
      const client = new PostgresBroker({
        connectionString: database.url,
        logger: testLogger(),
        pollIntervalMs: 200,
      });
      clients.push(client);
      return client;
    },
    topic: (label) => `${label}-${randomBytes(4).toString('hex')}`,
    close: async () => {
      await Promise.all(clients.map((client) => client.close()));
      await database.drop();
    },
  };
});

test('when messages are older than the retention, then prune deletes them and a group behind them resumes at the oldest kept', async (t) => {
  const database = await createTestDatabase('events-postgres-retention');
  const sql = new pg.Pool({ connectionString: database.url, max: 1 });
  const broker = new PostgresBroker({
    connectionString: database.url,
    logger: testLogger(),
    pollIntervalMs: 100,
    retentionMs: 60 * 60 * 1000,
    pruneIntervalMs: 0,
  });
  t.after(async () => {
    await broker.close();
    await sql.end();
    await database.drop();
  });
  const topic = `retention-${randomBytes(4).toString('hex')}`;
  const send = (values: string[]) =>
    broker.publish(values.map((value) => ({ topic, key: 'k', value, headers: {} })));
  await send(['old-1', 'old-2', 'old-3']);
  // A group that read the first message, then stopped.
  const lagging = `lagging-${randomBytes(4).toString('hex')}`;
  const first: string[] = [];
  const early = await broker.subscribe({
    groupId: lagging,
    topics: [topic],
    handle: async (message) => void first.push(message.value ?? ''),
  });
  await eventually('the first message read', () => first.length >= 1);
  await early.close();
  await sql.query(
    `UPDATE event_bus.messages SET published_at = now() - interval '2 hours' WHERE topic = $1`,
    [topic],
  );
  await send(['new-1', 'new-2']);

  assert.equal(await broker.prune(), 3, 'the three expired messages');
  assert.equal(await broker.prune(), 0, 'nothing left to delete');

  const later: string[] = [];
  const resumed = await broker.subscribe({
    groupId: lagging,
    topics: [topic],
    handle: async (message) => void later.push(message.value ?? ''),
  });
  t.after(() => resumed.close());
  await eventually('the kept messages read', () => later.length >= 2);
  assert.deepEqual(later, ['new-1', 'new-2']);
  const kept: string[] = [];
  for await (const message of broker.readTopic(topic)) kept.push(message.value ?? '');
  assert.deepEqual(kept, ['new-1', 'new-2']);
});
