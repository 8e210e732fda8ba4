import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase, eventually } from '@shop/testing';
import pg from 'pg';
import {
  EventValidationError,
  outboxChannel,
  OutboxRelay,
  PostgresBroker,
  pruneProcessedEvents,
  recordProcessed,
} from '../src/index.ts';
import { inTransaction } from './support/pg-transaction.ts';
import { itemRecordedContract, ServiceFixture } from './support/service-fixture.ts';
import { testLogger } from './support/test-logger.ts';

let database: TestDatabase;
let pool: pg.Pool;
const contract = itemRecordedContract('outbox-test');

before(async () => {
  database = await createTestDatabase('events-outbox');
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
});

after(async () => {
  await pool.end();
  await database.drop();
});

test('when an event is enqueued and committed, then the row holds the envelope and headers, and the relay channel is notified', async () => {
  const fixture = await ServiceFixture.create(pool, database.url, 'stored');
  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  const notified = new Promise<string>((resolve) =>
    listener.on('notification', (message) => resolve(message.channel)),
  );
  await listener.query(`LISTEN ${listener.escapeIdentifier(outboxChannel(fixture.schema))}`);
  try {
    const envelope = await inTransaction(pool, (tx) =>
      fixture.outbox.enqueue(tx, contract, { subject: 'order-7', data: { n: 3 }, requestId: 'req-9' }),
    );

    assert.equal(await notified, outboxChannel(fixture.schema));
    const { rows } = await pool.query(
      `SELECT id, topic, key, type, payload, headers FROM "${fixture.schema}".outbox_events`,
    );
    assert.equal(rows.length, 1);
    assert.deepEqual(
      { ...rows[0], payload: JSON.parse(rows[0].payload as string) },
      {
        id: envelope.id,
        topic: 'outbox-test',
        key: 'order-7',
        type: 'test.item-recorded.v1',
        payload: envelope,
        headers: { 'x-request-id': 'req-9' },
      },
    );
    assert.equal(envelope.source, 'test');
    assert.ok(!Number.isNaN(Date.parse(envelope.occurredAt)));
  } finally {
    await listener.end();
  }
});

test('when the transaction rolls back, then no event is left in the outbox', async () => {
  const fixture = await ServiceFixture.create(pool, database.url, 'rolled-back');
  await assert.rejects(
    inTransaction(pool, async (tx) => {
      await fixture.outbox.enqueue(tx, contract, { subject: 'order-1', data: { n: 1 } });
      throw new Error('the state change failed');
    }),
    /the state change failed/,
  );
  assert.equal(await fixture.pendingCount(), 0);
});

test('when the data breaks the contract, then enqueue throws a validation error saying what is wrong and writes nothing', async () => {
  const fixture = await ServiceFixture.create(pool, database.url, 'invalid');
  await assert.rejects(
    inTransaction(pool, (tx) =>
      fixture.outbox.enqueue(tx, contract, { subject: 'order-1', data: { n: -1 } }),
    ),
    (error: unknown) => error instanceof EventValidationError && /\/n must be >= 0/.test(error.message),
  );
  await assert.rejects(
    inTransaction(pool, (tx) => fixture.outbox.enqueue(tx, contract, { subject: '', data: { n: 1 } })),
    EventValidationError,
  );
  assert.equal(await fixture.pendingCount(), 0);
});

test('when the same event is recorded by two transactions at once, then only the first one counts', async () => {
  const fixture = await ServiceFixture.create(pool, database.url, 'inbox');
  const eventId = crypto.randomUUID();
  const first = await pool.connect();
  try {
    await first.query('BEGIN');
    const firstTx = {
      $executeRawUnsafe: async (sql: string, ...values: unknown[]) =>
        (await first.query(sql, values)).rowCount ?? 0,
    };
    assert.equal(await recordProcessed(firstTx, 'billing', eventId, fixture.schema), true);
    const second = inTransaction(pool, (tx) => recordProcessed(tx, 'billing', eventId, fixture.schema));
    await first.query('COMMIT');
    assert.equal(await second, false, 'the concurrent duplicate waits for the first and then sees it');
  } finally {
    first.release();
  }
  assert.equal(
    await inTransaction(pool, (tx) => recordProcessed(tx, 'shipping', eventId, fixture.schema)),
    true,
    'another consumer has its own record',
  );
});

test('when inbox records are older than the retention, then pruning removes them for that consumer only', async () => {
  const fixture = await ServiceFixture.create(pool, database.url, 'prune');
  const table = `"${fixture.schema}".processed_events`;
  await pool.query(
    `INSERT INTO ${table} (consumer, event_id, processed_at) VALUES ` +
      `('billing', gen_random_uuid(), now() - interval '8 days'), ('billing', gen_random_uuid(), now() - interval '1 day'), ` +
      `('shipping', gen_random_uuid(), now() - interval '8 days')`,
  );
  const pruned = await inTransaction(pool, (tx) =>
    pruneProcessedEvents(tx, { consumer: 'billing', olderThanMs: 7 * 86_400_000, schema: fixture.schema }),
  );
  assert.equal(pruned, 1);
  const { rows } = await pool.query<{ consumer: string; days: number }>(
    `SELECT consumer, extract(day FROM now() - processed_at)::int AS days FROM ${table} ORDER BY consumer, days`,
  );
  assert.deepEqual(rows, [
    { consumer: 'billing', days: 1 },
    { consumer: 'shipping', days: 8 },
  ]);
});

test('when another relay holds the oldest row of a key, then the later rows of that key wait while other keys flow', async () => {
  const fixture = await ServiceFixture.create(pool, database.url, 'held-key');
  const topicContract = itemRecordedContract(`held-key-${crypto.randomUUID()}`);
  for (const [subject, n] of [
    ['held', 0],
    ['free', 0],
    ['held', 1],
    ['free', 1],
  ] as const) {
    await inTransaction(pool, (tx) => fixture.outbox.enqueue(tx, topicContract, { subject, data: { n } }));
  }
  const otherRelay = await pool.connect();
  await otherRelay.query('BEGIN');
  await otherRelay.query(
    `SELECT seq FROM "${fixture.schema}".outbox_events WHERE key = 'held' ORDER BY seq LIMIT 1 FOR UPDATE`,
  );

  const broker = new PostgresBroker({ connectionString: database.url, logger: testLogger() });
  const relay = new OutboxRelay({
    connectionString: database.url,
    schema: fixture.schema,
    broker,
    logger: testLogger(),
    pollIntervalMs: 100,
  });
  const published = async () => {
    const messages: { key: string | null; n: number }[] = [];
    for await (const message of broker.readTopic(topicContract.topic))
      messages.push({ key: message.key, n: (JSON.parse(message.value!) as { data: { n: number } }).data.n });
    return messages;
  };
  await relay.start();
  try {
    await eventually('the free key to be published', async () => (await published()).length === 2);
    assert.deepEqual(await published(), [
      { key: 'free', n: 0 },
      { key: 'free', n: 1 },
    ]);
    assert.equal(await fixture.pendingCount(), 2, 'both rows of the held key are still pending');

    await otherRelay.query('ROLLBACK');
    await eventually('the held key to be published', async () => (await published()).length === 4);
    assert.deepEqual(
      (await published()).filter((message) => message.key === 'held'),
      [
        { key: 'held', n: 0 },
        { key: 'held', n: 1 },
      ],
    );
  } finally {
    otherRelay.release();
    await relay.stop();
    await broker.close();
  }
});
