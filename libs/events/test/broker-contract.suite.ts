import assert from 'node:assert/strict';
import { eventually } from '@shop/testing';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import {
  deadLetterTopicFor,
  EventConsumer,
  listDeadLetters,
  PoisonEventError,
  prepareEvent,
  replayDeadLetters,
  type IncomingMessage,
  type MessageBroker,
  type OutgoingMessage,
  type SubscribeOptions,
  type Subscription,
} from '../src/index.ts';
import pg from 'pg';
import { Registry } from 'prom-client';
import { metricValue } from './support/metrics.ts';
import { inTransaction, type PgTransaction } from './support/pg-transaction.ts';
import { itemRecordedContract, ServiceFixture, type ItemRecorded } from './support/service-fixture.ts';
import { testLogger } from './support/test-logger.ts';
import { recordSpans } from './support/tracing.ts';

/** What the suite needs from one transport: fresh clients, unique topics and a database for outboxes and inboxes. */
export interface BrokerHarness {
  /** A new broker client, as one service process holds it. */
  connect(): MessageBroker;
  /** A topic name no other test uses. */
  topic(label: string): string;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * The behaviour services rely on, whichever transport runs underneath: the suite runs once against
 * Kafka and once against the PostgreSQL stand-in.
 */
export function brokerContractSuite(name: string, setUp: () => Promise<BrokerHarness>): void {
  describe(`${name}: events contract`, () => {
    const spans = recordSpans();
    const logger = testLogger();
    const cleanups: Array<() => Promise<void>> = [];
    let harness: BrokerHarness;
    let pool: pg.Pool;

    before(async () => {
      harness = await setUp();
      pool = new pg.Pool({ connectionString: harness.databaseUrl, max: 8 });
    });

    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      await pool.end();
      await harness.close();
    });

    const broker = (): MessageBroker => {
      const client = harness.connect();
      cleanups.push(() => client.close());
      return client;
    };

    const service = async (label: string): Promise<ServiceFixture> => {
      const fixture = await ServiceFixture.create(pool, harness.databaseUrl, label);
      cleanups.push(() => fixture.close());
      return fixture;
    };

    const consumer = (
      fixture: ServiceFixture,
      transport: MessageBroker,
      group: string,
      registry: Registry,
    ): EventConsumer<PgTransaction> => {
      const created = new EventConsumer<PgTransaction>({
        broker: transport,
        group,
        inbox: fixture.inbox,
        logger,
        registry,
        maxAttempts: 3,
        retryBackoff: { initialMs: 10, maxMs: 50 },
      });
      cleanups.push(() => created.stop());
      return created;
    };

    const recordEffect =
      (fixture: ServiceFixture) =>
      async (
        event: { id: string; subject: string; data: { n: number } },
        { tx, attempt }: { tx: PgTransaction; attempt: number },
      ) => {
        await tx.$executeRawUnsafe(fixture.effectSql(), event.id, event.subject, event.data.n, attempt);
      };

    const writeEvents = async (
      fixture: ServiceFixture,
      contract: ItemRecorded,
      subjects: string[],
      perSubject: number,
    ): Promise<string[]> => {
      const ids: string[] = [];
      for (let n = 0; n < perSubject; n += 1) {
        await inTransaction(pool, async (tx) => {
          const events = subjects.map((subject) => prepareEvent(contract, { subject, data: { n } }));
          await fixture.outbox.enqueueMany(tx, events);
          ids.push(...events.map((event) => event.envelope.id));
        });
      }
      return ids;
    };

    const collect = async (
      transport: MessageBroker,
      options: Omit<SubscribeOptions, 'handle'>,
      into: IncomingMessage[],
    ): Promise<Subscription> => {
      const subscription = await transport.subscribe({
        ...options,
        handle: async (message) => {
          into.push(message);
        },
      });
      cleanups.push(() => subscription.close());
      return subscription;
    };

    const readAll = async (transport: MessageBroker, topic: string): Promise<IncomingMessage[]> => {
      const messages: IncomingMessage[] = [];
      for await (const message of transport.readTopic(topic)) messages.push(message);
      return messages;
    };

    test('when messages are published, then every group receives each of them once, in order per key', async () => {
      const topic = harness.topic('fan-out');
      const publisher = broker();
      const [first, second]: IncomingMessage[][] = [[], []];
      await collect(broker(), { groupId: `fan-out-a-${randomUUID()}`, topics: [topic] }, first!);
      await collect(broker(), { groupId: `fan-out-b-${randomUUID()}`, topics: [topic] }, second!);

      const keys = ['k1', 'k2', 'k3'];
      for (let i = 0; i < 10; i += 1) {
        await publisher.publish(
          keys.map((key) => ({
            topic,
            key,
            value: JSON.stringify({ key, i }),
            headers: { 'x-test': String(i) },
          })),
        );
      }

      for (const received of [first!, second!]) {
        await eventually('30 messages in each group', () => received.length >= 30);
        assert.equal(received.length, 30);
        for (const key of keys) {
          const sequence = received
            .filter((message) => message.key === key)
            .map((message) => (JSON.parse(message.value!) as { i: number }).i);
          assert.deepEqual(sequence, [...Array(10).keys()], `messages of ${key} arrive in order`);
        }
        assert.equal(received[0]!.headers['x-test'], '0');
      }
    });

    test('when a member stops, then it leaves with its offsets committed and the next member continues after them', async () => {
      const topic = harness.topic('handover');
      const groupId = `handover-${randomUUID()}`;
      const publisher = broker();
      const message = (i: number): OutgoingMessage => ({
        topic,
        key: `k${i % 4}`,
        value: String(i),
        headers: {},
      });

      const firstReceived: IncomingMessage[] = [];
      const firstMember = await collect(broker(), { groupId, topics: [topic] }, firstReceived);
      await publisher.publish([...Array(10).keys()].map(message));
      await eventually('the first member to handle 10 messages', () => firstReceived.length >= 10);
      await firstMember.close();

      await publisher.publish([...Array(10).keys()].map((i) => message(i + 10)));
      const secondReceived: IncomingMessage[] = [];
      await collect(broker(), { groupId, topics: [topic] }, secondReceived);
      await eventually('the second member to handle the 10 new messages', () => secondReceived.length >= 10);

      assert.deepEqual(
        firstReceived.map((m) => Number(m.value)).sort((a, b) => a - b),
        [...Array(10).keys()],
      );
      assert.deepEqual(
        secondReceived.map((m) => Number(m.value)).sort((a, b) => a - b),
        [...Array(10).keys()].map((i) => i + 10),
      );
    });

    test('when two relays drain one outbox, then each event is published once and handled once, in order per subject', async () => {
      const fixture = await service('two-relays');
      const contract = itemRecordedContract(harness.topic('two-relays'));
      const subjects = Array.from({ length: 40 }, (_, i) => `order-${i}`);
      const ids = await writeEvents(fixture, contract, subjects, 5);

      const registry = new Registry();
      await fixture.startRelay(broker(), { logger, registry, batchSize: 25 });
      await fixture.startRelay(broker(), { logger, registry, batchSize: 25 });
      const group = `two-relays-${randomUUID()}`;
      await consumer(fixture, broker(), group, registry).on(contract, recordEffect(fixture)).start();

      await eventually('200 effects', async () => (await fixture.effects()).length >= 200);
      await eventually('the outbox to be empty', async () => (await fixture.pendingCount()) === 0);
      const effects = await fixture.effects();
      assert.equal(effects.length, 200);
      assert.deepEqual(new Set(effects.map((effect) => effect.eventId)), new Set(ids));
      for (const subject of subjects) {
        assert.deepEqual(
          effects.filter((effect) => effect.subject === subject).map((effect) => effect.n),
          [0, 1, 2, 3, 4],
        );
      }
      assert.equal(
        (await readAll(broker(), contract.topic)).length,
        200,
        'the relays never published a row twice',
      );
      assert.equal(
        await metricValue(registry, 'events_outbox_published_total', { outbox: fixture.schema }),
        200,
      );
      assert.equal(
        await metricValue(registry, 'events_consumed_total', { group, outcome: 'processed' }),
        200,
      );
      assert.equal(
        await metricValue(registry, 'events_consumer_lag', { group }),
        0,
        'the group has caught up',
      );
    });

    test('when the relay dies after publishing but before marking, then the copies it republishes have no second effect', async () => {
      const fixture = await service('relay-crash');
      const contract = itemRecordedContract(harness.topic('relay-crash'));
      const ids = await writeEvents(fixture, contract, ['a', 'b', 'c', 'd'], 5);
      const registry = new Registry();

      const crashing = new CrashAfterPublish(broker());
      const doomed = await fixture.startRelay(crashing, { logger, registry });
      await crashing.crashed;
      await doomed.stop();
      assert.equal(await fixture.pendingCount(), 20, 'the dead relay removed nothing');

      await fixture.startRelay(broker(), { logger, registry });
      const group = `relay-crash-${randomUUID()}`;
      await consumer(fixture, broker(), group, registry).on(contract, recordEffect(fixture)).start();

      await eventually(
        'all 40 copies handled',
        async () => (await metricValue(registry, 'events_consumed_total', { group })) >= 40,
      );
      assert.equal((await readAll(broker(), contract.topic)).length, 40, 'every event is on the topic twice');
      const effects = await fixture.effects();
      assert.deepEqual(effects.map((effect) => effect.eventId).sort(), [...ids].sort());
      assert.equal(await metricValue(registry, 'events_consumed_total', { group, outcome: 'duplicate' }), 20);
    });

    test('when a handler fails with a transient error, then it succeeds on a later attempt and the effect happens once', async () => {
      const fixture = await service('transient');
      const contract = itemRecordedContract(harness.topic('transient'));
      const [flaky] = await writeEvents(fixture, contract, ['flaky'], 1);
      const registry = new Registry();
      await fixture.startRelay(broker(), { logger, registry });

      const group = `transient-${randomUUID()}`;
      await consumer(fixture, broker(), group, registry)
        .on(contract, async (event, ctx) => {
          if (ctx.attempt < 3) throw new Error(`database hiccup on attempt ${ctx.attempt}`);
          await recordEffect(fixture)(event, ctx);
        })
        .start();

      await eventually('the effect', async () => (await fixture.effects()).length === 1);
      const [effect] = await fixture.effects();
      assert.deepEqual(effect, { eventId: flaky, subject: 'flaky', n: 0, attempt: 3 });
      assert.equal(await metricValue(registry, 'events_handler_retries_total', { group }), 2);
      assert.equal(await metricValue(registry, 'events_dead_lettered_total', { group }), 0);
    });

    test('when messages are poison, then they are dead-lettered with the error, later messages still flow, and a replay is handled', async () => {
      const fixture = await service('poison');
      const contract = itemRecordedContract(harness.topic('poison'));
      const group = `poison-${randomUUID()}`;
      const registry = new Registry();
      const publisher = broker();
      const valid = (n: number) => prepareEvent(contract, { subject: 'same-key', data: { n } }).envelope;
      const [before, rejected, exhausted, afterwards] = [valid(0), valid(1), valid(2), valid(3)];
      const invalid = { ...valid(9), data: { n: 'nine' } };
      const raw = (value: string): OutgoingMessage => ({
        topic: contract.topic,
        key: 'same-key',
        value,
        headers: { 'x-request-id': 'req-1' },
      });
      await publisher.publish([
        raw(JSON.stringify(before)),
        raw('{ not json'),
        raw(JSON.stringify(invalid)),
        raw(JSON.stringify(rejected)),
        raw(JSON.stringify(exhausted)),
        raw(JSON.stringify(afterwards)),
      ]);

      let repaired = false;
      await consumer(fixture, broker(), group, registry)
        .on(contract, async (event, ctx) => {
          if (event.id === rejected.id && !repaired) throw new PoisonEventError('order 1 does not exist');
          if (event.id === exhausted.id) throw new Error('payment provider unavailable');
          await recordEffect(fixture)(event, ctx);
        })
        .start();

      await eventually('the message after the poison ones', async () =>
        (await fixture.effects()).some((effect) => effect.eventId === afterwards.id),
      );
      await eventually(
        'four dead letters',
        async () => (await metricValue(registry, 'events_dead_lettered_total', { group })) >= 4,
      );
      const deadLetterTopic = deadLetterTopicFor(group);
      const letters = [];
      for await (const letter of listDeadLetters(publisher, deadLetterTopic)) letters.push(letter);
      assert.deepEqual(
        letters.map((letter) => [letter.reason, letter.eventId, letter.attempts]),
        [
          ['malformed', undefined, 0],
          ['invalid-data', invalid.id, 0],
          ['rejected', rejected.id, 1],
          ['retries-exhausted', exhausted.id, 3],
        ],
      );
      assert.match(letters[2]!.error ?? '', /PoisonEventError: order 1 does not exist/);
      assert.match(letters[3]!.error ?? '', /payment provider unavailable/);
      assert.equal(letters[2]!.originalTopic, contract.topic);
      assert.equal(letters[2]!.message.headers['x-request-id'], 'req-1', 'original headers travel along');
      assert.deepEqual(
        (await fixture.effects()).map((effect) => effect.eventId),
        [before.id, afterwards.id],
      );
      assert.equal(await metricValue(registry, 'events_dead_lettered_total', { group }), 4);

      repaired = true;
      const { replayed } = await replayDeadLetters(publisher, deadLetterTopic, { eventId: rejected.id });
      assert.equal(replayed, 1);
      await eventually('the replayed event to be handled', async () =>
        (await fixture.effects()).some((effect) => effect.eventId === rejected.id),
      );
    });

    test('when the producer wrote trace context, then the consumer span is its child in the same trace, and the relay send span links to it', async () => {
      const fixture = await service('tracing');
      const contract = itemRecordedContract(harness.topic('tracing'));
      const tracer = trace.getTracer('test');
      const request = tracer.startSpan('POST /orders');
      await context.with(trace.setSpan(context.active(), request), () =>
        inTransaction(pool, (tx) =>
          fixture.outbox.enqueue(tx, contract, { subject: 'traced', data: { n: 1 }, requestId: 'req-42' }),
        ),
      );
      request.end();

      const registry = new Registry();
      await fixture.startRelay(broker(), { logger, registry });
      let seenRequestId: string | undefined;
      await consumer(fixture, broker(), `tracing-${randomUUID()}`, registry)
        .on(contract, async (event, ctx) => {
          seenRequestId = ctx.requestId;
          await recordEffect(fixture)(event, ctx);
        })
        .start();
      await eventually('the effect', async () => (await fixture.effects()).length === 1);

      const finished = await eventually('the consumer span', () => {
        const all = spans.getFinishedSpans();
        return all.some((span) => span.name === `process ${contract.topic}`) && all;
      });
      const producer = finished.find((span) => span.name === `create ${contract.topic}`);
      const consumerSpan = finished.find((span) => span.name === `process ${contract.topic}`);
      assert.ok(producer && consumerSpan);
      assert.equal(producer.kind, SpanKind.PRODUCER);
      assert.equal(consumerSpan.kind, SpanKind.CONSUMER);
      assert.equal(producer.parentSpanContext?.spanId, request.spanContext().spanId);
      assert.equal(consumerSpan.parentSpanContext?.spanId, producer.spanContext().spanId);
      assert.equal(consumerSpan.spanContext().traceId, request.spanContext().traceId);
      assert.equal(seenRequestId, 'req-42');
      const send = finished.find((span) =>
        span.links.some((link) => link.context.spanId === producer.spanContext().spanId),
      );
      assert.ok(send, 'a relay send span links to the create span');
      assert.equal(send.name, `send ${contract.topic}`);
      assert.equal(send.kind, SpanKind.PRODUCER);
      assert.equal(send.attributes['messaging.batch.message_count'], 1);
    });
  });
}

/** Publishes for real, then fails as if the relay process died before it could mark the rows. */
class CrashAfterPublish implements MessageBroker {
  readonly kind;
  readonly crashed: Promise<void>;
  readonly #inner: MessageBroker;
  #signalCrash!: () => void;
  #dead = false;

  constructor(inner: MessageBroker) {
    this.#inner = inner;
    this.kind = inner.kind;
    this.crashed = new Promise((resolve) => (this.#signalCrash = resolve));
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.#dead) throw new Error('relay process is gone');
    await this.#inner.publish(messages);
    this.#dead = true;
    this.#signalCrash();
    throw new Error('relay killed after publishing, before marking');
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.#inner.subscribe(options);
  }

  readTopic(topic: string): AsyncIterable<IncomingMessage> {
    return this.#inner.readTopic(topic);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
