import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { OrderPlacedV1 } from '@shop/contracts';
import {
  KafkaBroker,
  Outbox,
  OutboxRelay,
  prepareEvent,
  type IncomingMessage,
  type Logger,
  type PreparedEvent,
  type SqlTransaction,
} from '@shop/events';
import { createTestDatabase, getKafka, uniqueTopicName } from '@shop/testing';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { Registry } from 'prom-client';
import type { BenchContext, Figure } from './lib/figure.ts';
import { median, round } from './lib/stats.ts';

// Relay throughput against a bare kafkajs producer sending the same messages to the same broker with
// the same producer settings and batch size (measured alternately, side by side), then the end-to-end
// lag (commit of the event row -> delivery to a consumer group) under a steady write load at the
// Black Friday peak of 833 orders/s.

const MESSAGES_PER_ROUND = 20_000;
const ROUNDS = 5;
const BATCH_SIZE = 500;
const PARTITIONS = 3;
const SUBJECTS = 2_000;
const LOAD_RATE_PER_SECOND = 833;
const LOAD_SECONDS = 15;
const LOAD_WRITERS = 8;
const EVENT_TABLES_SQL = new URL('../libs/events/test/fixtures/event-tables.sql', import.meta.url);

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export default async function outboxRelayBench(ctx: BenchContext): Promise<Figure[]> {
  ctx.progress('starting PostgreSQL and Kafka ...');
  const [{ brokers }, database] = await Promise.all([getKafka(), createTestDatabase('bench-outbox-relay')]);
  const pool = new pg.Pool({ connectionString: database.url, max: LOAD_WRITERS + 2 });
  const broker = new KafkaBroker({
    brokers,
    clientId: 'bench-relay',
    topics: { numPartitions: PARTITIONS, replicationFactor: 1 },
    logger: silent,
  });
  const bare = await connectBareProducer(brokers);
  try {
    const warmUp = uniqueTopicName('bench-warm-up');
    await bare.createTopic(warmUp);
    await bare.send(warmUp, orderPlacedEvents(BATCH_SIZE));
    const bareRuns: number[] = [];
    const relayRuns: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const events = orderPlacedEvents(MESSAGES_PER_ROUND);
      const bareTopic = uniqueTopicName('bench-bare');
      const relayTopic = uniqueTopicName('bench-relay');
      await bare.createTopic(bareTopic);
      await bare.createTopic(relayTopic);

      ctx.progress(`round ${round}/${ROUNDS}: bare kafkajs producer, ${MESSAGES_PER_ROUND} messages ...`);
      bareRuns.push(await bare.send(bareTopic, events));
      ctx.progress(
        `round ${round}/${ROUNDS}: bare ${Math.round(bareRuns.at(-1)!)} msg/s; outbox relay, same messages ...`,
      );
      relayRuns.push(await relayThroughput(pool, database.url, broker, relayTopic, events, `relay_${round}`));
      ctx.progress(`round ${round}/${ROUNDS}: relay ${Math.round(relayRuns.at(-1)!)} msg/s`);
    }

    ctx.progress(
      `steady load: ${LOAD_RATE_PER_SECOND} events/s for ${LOAD_SECONDS}s through outbox, relay and a consumer group ...`,
    );
    const lag = await lagUnderLoad(pool, database.url, broker, ctx);

    // Each round runs both back to back, so drift on the shared machine hits both alike: compare within rounds.
    const ratios = relayRuns.map((relay, i) => relay / bareRuns[i]!);
    return [
      {
        name: 'outbox_relay_vs_bare_producer',
        value: round(median(ratios), 3),
        goal: { op: '>=', value: 0.5 },
        detail: {
          roundRatios: ratios.map((ratio) => round(ratio, 3)),
          relayMsgPerSec: relayRuns.map((r) => round(r)),
          bareMsgPerSec: bareRuns.map((r) => round(r)),
          messages: MESSAGES_PER_ROUND,
          batchSize: BATCH_SIZE,
          partitions: PARTITIONS,
        },
      },
      { name: 'outbox_relay_throughput', value: round(median(relayRuns)), unit: 'msg/s' },
      { name: 'bare_producer_throughput', value: round(median(bareRuns)), unit: 'msg/s' },
      {
        name: 'outbox_lag_p99',
        value: round(lag.p99Seconds, 4),
        unit: 's',
        goal: { op: '<=', value: 1 },
        detail: {
          p50Seconds: round(lag.p50Seconds, 4),
          maxSeconds: round(lag.maxSeconds, 4),
          events: lag.events,
          achievedRatePerSecond: round(lag.ratePerSecond),
        },
      },
    ];
  } finally {
    await bare.close();
    await broker.close();
    await pool.end();
    await database.drop();
  }
}

/** Realistic OrderPlaced events (two lines), keyed over many orders. */
function orderPlacedEvents(count: number): PreparedEvent<typeof OrderPlacedV1>[] {
  return Array.from({ length: count }, (_, i) => {
    const orderId = `order-${i % SUBJECTS}-${Math.floor(i / SUBJECTS)}`;
    return prepareEvent(OrderPlacedV1, {
      subject: orderId,
      requestId: crypto.randomUUID(),
      data: {
        orderId,
        customerId: `customer-${i % 997}`,
        items: [
          { productId: `sku-${i % 101}`, quantity: 1, unitPrice: { amount: 1999, currency: 'EUR' } },
          { productId: `sku-${i % 37}`, quantity: 2, unitPrice: { amount: 450, currency: 'EUR' } },
        ],
        total: { amount: 2899, currency: 'EUR' },
      },
    });
  });
}

async function connectBareProducer(brokers: string[]) {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
  // The relay's producer settings, so the comparison isolates what the outbox adds.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  return {
    createTopic: (topic: string) =>
      admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
        waitForLeaders: true,
      }),
    /** Messages per second, sending in the relay's batch size and waiting for each acknowledgement. */
    send: async (topic: string, events: readonly PreparedEvent[]): Promise<number> => {
      const started = performance.now();
      for (let start = 0; start < events.length; start += BATCH_SIZE) {
        const messages = events.slice(start, start + BATCH_SIZE).map(({ envelope, requestId }) => ({
          key: envelope.subject,
          value: JSON.stringify(envelope),
          headers: { 'x-request-id': requestId ?? '' },
        }));
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
      }
      return events.length / ((performance.now() - started) / 1000);
    },
    close: async () => {
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    },
  };
}

async function createOutbox(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const quoted = client.escapeIdentifier(schema);
    await client.query(
      `CREATE SCHEMA ${quoted}; SET search_path TO ${quoted}; ${await readFile(EVENT_TABLES_SQL, 'utf8')}`,
    );
  } finally {
    await client.end();
  }
}

async function inTransaction(pool: pg.Pool, work: (tx: SqlTransaction) => Promise<unknown>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work({
      $executeRawUnsafe: async (sql, ...values) => (await client.query(sql, values)).rowCount ?? 0,
    });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Messages per second from relay start until every pre-written row is published and marked. */
async function relayThroughput(
  pool: pg.Pool,
  databaseUrl: string,
  broker: KafkaBroker,
  topic: string,
  events: readonly PreparedEvent[],
  schema: string,
): Promise<number> {
  await createOutbox(databaseUrl, schema);
  const outbox = new Outbox({ schema, notify: false });
  const onTopic = events.map((event) => ({ ...event, topic }));
  for (let start = 0; start < onTopic.length; start += 1_000) {
    await inTransaction(pool, (tx) => outbox.enqueueMany(tx, onTopic.slice(start, start + 1_000)));
  }
  await pool.query(`VACUUM ANALYZE "${schema}".outbox_events`);
  // Connections and topic metadata are a one-off cost, not a per-message one: pay it before the clock starts.
  await broker.publish([{ topic, key: 'warm-up', value: '{}', headers: {} }]);

  const registry = new Registry();
  const relay = new OutboxRelay({
    connectionString: databaseUrl,
    schema,
    broker,
    logger: silent,
    registry,
    batchSize: BATCH_SIZE,
    listen: false,
  });
  const published = registry.getSingleMetric.bind(registry, 'events_outbox_published_total');
  const started = performance.now();
  await relay.start();
  try {
    for (;;) {
      const metric = published();
      const total =
        metric === undefined ? 0 : (await metric.get()).values.reduce((sum, sample) => sum + sample.value, 0);
      if (total >= events.length) break;
      await delay(5);
    }
    return events.length / ((performance.now() - started) / 1000);
  } finally {
    await relay.stop();
  }
}

/** Writes events at a steady rate in their own transactions and records write-to-delivery latency. */
async function lagUnderLoad(pool: pg.Pool, databaseUrl: string, broker: KafkaBroker, ctx: BenchContext) {
  const schema = 'steady_load';
  await createOutbox(databaseUrl, schema);
  const topic = uniqueTopicName('bench-lag');
  const contract = { ...OrderPlacedV1, topic };
  const outbox = new Outbox({ schema });
  const relay = new OutboxRelay({
    connectionString: databaseUrl,
    schema,
    broker,
    logger: silent,
    batchSize: BATCH_SIZE,
  });
  const latencies: number[] = [];
  const subscription = await broker.subscribe({
    groupId: `bench-lag-${crypto.randomUUID()}`,
    topics: [topic],
    handle: async (message: IncomingMessage) => {
      const { occurredAt } = JSON.parse(message.value ?? '{}') as { occurredAt: string };
      latencies.push((Date.now() - Date.parse(occurredAt)) / 1000);
    },
  });
  await relay.start();
  try {
    const total = LOAD_RATE_PER_SECOND * LOAD_SECONDS;
    const started = performance.now();
    let next = 0;
    // Each writer takes the next slot of the schedule and waits for its time, so the rate stays steady.
    const writer = async (): Promise<void> => {
      for (let i = next++; i < total; i = next++) {
        const due = started + (i * 1000) / LOAD_RATE_PER_SECOND;
        const wait = due - performance.now();
        if (wait > 0) await delay(wait);
        const orderId = `order-${i}`;
        await inTransaction(pool, (tx) =>
          outbox.enqueue(tx, contract, {
            subject: orderId,
            data: {
              orderId,
              customerId: `customer-${i % 997}`,
              items: [{ productId: 'sku-1', quantity: 1, unitPrice: { amount: 1999, currency: 'EUR' } }],
              total: { amount: 1999, currency: 'EUR' },
            },
          }),
        );
        if ((i + 1) % (LOAD_RATE_PER_SECOND * 5) === 0)
          ctx.progress(`steady load: ${i + 1}/${total} events written, ${latencies.length} delivered`);
      }
    };
    await Promise.all(Array.from({ length: LOAD_WRITERS }, writer));
    const ratePerSecond = total / ((performance.now() - started) / 1000);
    const deadline = Date.now() + 30_000;
    while (latencies.length < total && Date.now() < deadline) await delay(20);
    if (latencies.length < total)
      throw new Error(
        `Only ${latencies.length} of ${total} events arrived within 30s of the last write; check the relay and Kafka logs.`,
      );
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return {
      p50Seconds: at(0.5),
      p99Seconds: at(0.99),
      maxSeconds: sorted.at(-1)!,
      events: total,
      ratePerSecond,
    };
  } finally {
    await relay.stop();
    await subscription.close();
  }
}
