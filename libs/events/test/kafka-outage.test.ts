import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  createTestDatabase,
  startKafkaBroker,
  uniqueTopicName,
  type LocalKafkaBroker,
  type TestDatabase,
  eventually,
} from '@shop/testing';
import pg from 'pg';
import { Registry } from 'prom-client';
import { EventConsumer, KafkaBroker, prepareEvent } from '../src/index.ts';
import { metricValue } from './support/metrics.ts';
import { inTransaction, type PgTransaction } from './support/pg-transaction.ts';
import { itemRecordedContract, ServiceFixture } from './support/service-fixture.ts';
import { testLogger } from './support/test-logger.ts';

let kafka: LocalKafkaBroker;
let database: TestDatabase;
let pool: pg.Pool;

before(async () => {
  // A broker of its own: stopping the shared one would break test files running in parallel.
  [kafka, database] = await Promise.all([startKafkaBroker(), createTestDatabase('events-kafka-outage')]);
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
});

after(async () => {
  await pool.end();
  await database.drop();
  await kafka.dispose();
});

test('when Kafka is down, then writes still succeed, the backlog is reported, and it drains in order once Kafka is back', async () => {
  const logger = testLogger();
  const registry = new Registry();
  const fixture = await ServiceFixture.create(pool, database.url, 'outage');
  const contract = itemRecordedContract(uniqueTopicName('outage'));
  const connect = () =>
    new KafkaBroker({
      brokers: kafka.brokers,
      clientId: 'outage-test',
      topics: { numPartitions: 3, replicationFactor: 1 },
      publishTimeoutMs: 5_000,
      logger,
    });
  const [relayBroker, consumerBroker] = [connect(), connect()];
  const consumer = new EventConsumer<PgTransaction>({
    broker: consumerBroker,
    group: `outage-${randomUUID()}`,
    inbox: fixture.inbox,
    logger,
    registry,
  });
  try {
    const relay = await fixture.startRelay(relayBroker, {
      logger,
      registry,
      statsIntervalMs: 200,
      backoff: { initialMs: 100, maxMs: 1_000 },
    });
    await consumer
      .on(contract, async (event, { tx, attempt }) => {
        await tx.$executeRawUnsafe(fixture.effectSql(), event.id, event.subject, event.data.n, attempt);
      })
      .start();
    const write = (n: number) =>
      inTransaction(pool, (tx) =>
        fixture.outbox.enqueueMany(
          tx,
          ['a', 'b', 'c'].map((subject) => prepareEvent(contract, { subject, data: { n } })),
        ),
      );
    await write(0);
    await eventually('the first events to arrive', async () => (await fixture.effects()).length === 3);

    await kafka.stop();
    for (let n = 1; n <= 20; n += 1) await write(n);
    await eventually(
      'the relay to report the backlog',
      async () => (await metricValue(registry, 'events_outbox_pending', { outbox: fixture.schema })) === 60,
    );
    await eventually(
      'failed publish attempts',
      async () => (await metricValue(registry, 'events_outbox_publish_failures_total')) > 0,
    );
    assert.equal(await fixture.pendingCount(), 60);

    await kafka.start();
    await eventually('the backlog to drain', async () => (await fixture.effects()).length >= 63, {
      timeoutMs: 120_000,
    });
    await eventually('the outbox to be empty', async () => (await fixture.pendingCount()) === 0);
    const effects = await fixture.effects();
    assert.equal(new Set(effects.map((effect) => effect.eventId)).size, 63);
    for (const subject of ['a', 'b', 'c']) {
      assert.deepEqual(
        effects.filter((effect) => effect.subject === subject).map((effect) => effect.n),
        [...Array(21).keys()],
      );
    }
    await relay.stop();
  } finally {
    await consumer.stop();
    await fixture.close();
    await Promise.all([relayBroker.close(), consumerBroker.close()]);
  }
});
