import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildService, type Service } from '@shop/platform';
import { createTestDatabase, eventually, type TestDatabase } from '@shop/testing';
import fp from 'fastify-plugin';
import pg from 'pg';
import { eventsPlugin, type EventsPluginOptions } from '../src/fastify.ts';
import { KafkaBroker, PostgresBroker } from '../src/index.ts';
import { inTransaction, type PgTransaction } from './support/pg-transaction.ts';
import { itemRecordedContract, ServiceFixture } from './support/service-fixture.ts';

const contract = itemRecordedContract(`events-plugin-${crypto.randomUUID()}`);
const noKafka = { kafkaBrokers: [], topics: { numPartitions: 1, replicationFactor: 1 } };

async function serviceWith(
  options: EventsPluginOptions,
  routes: (app: Service) => Promise<void> = async () => {},
): Promise<Service> {
  const app = await buildService(
    { name: 'events-plugin-test', logLevel: 'silent', prettyLogs: false, bodyLimitBytes: 4_096 },
    // As a service's app plugin is: unencapsulated, so the test sees what the plugin decorates.
    fp(async (service) => {
      await service.register(eventsPlugin, options);
      await routes(service);
    }),
    {},
  );
  await app.ready();
  return app;
}

describe('eventsPlugin on the PostgreSQL stand-in bus', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let fixture: ServiceFixture;
  let app: Service;
  const seenRequestIds: (string | undefined)[] = [];
  const order: string[] = [];

  before(async () => {
    database = await createTestDatabase('events-plugin');
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    fixture = await ServiceFixture.create(pool, database.url, 'plugin');
    app = await serviceWith(
      {
        service: 'events-plugin-test',
        kafka: noKafka,
        busDatabaseUrl: database.url,
        relay: [{ connectionString: database.url, schema: fixture.schema }],
        outbox: { schema: fixture.schema },
      },
      async (service) => {
        const consumer = service.events
          .consumer<PgTransaction>({ group: `plugin-${crypto.randomUUID()}`, inbox: fixture.inbox })
          .on(contract, async (event, { tx, attempt, requestId }) => {
            seenRequestIds.push(requestId);
            await tx.$executeRawUnsafe(fixture.effectSql(), event.id, event.subject, event.data.n, attempt);
          });
        await consumer.start();
        const stopConsumer = consumer.stop.bind(consumer);
        consumer.stop = async () => {
          order.push('consumer stopped');
          await stopConsumer();
        };
        service.post<{ Params: { n: string } }>('/items/:n', async (request) => {
          await inTransaction(pool, (tx) =>
            service.events.publisher(tx)(contract, `item-${request.params.n}`, {
              n: Number(request.params.n),
            }),
          );
          return { published: true };
        });
      },
    );
    const closeBroker = app.broker.close.bind(app.broker);
    app.broker.close = async () => {
      order.push('broker closed');
      await closeBroker();
    };
  });

  after(async () => {
    await app.close();
    await fixture.close();
    await pool.end();
    await database.drop();
  });

  test('when a request publishes through app.events.publisher, then the relay takes the event to the bus and the consumer handles it once, with the request id', async () => {
    assert.ok(app.broker instanceof PostgresBroker, 'no Kafka brokers: the stand-in bus');
    const response = await app.inject({
      method: 'POST',
      url: '/items/7',
      headers: { 'x-request-id': 'req-42' },
    });
    assert.equal(response.statusCode, 200);

    const [effect] = await eventually('the consumer to handle the event', async () => {
      const effects = await fixture.effects();
      return effects.length > 0 && effects;
    });
    assert.deepEqual({ subject: effect?.subject, n: effect?.n }, { subject: 'item-7', n: 7 });
    assert.deepEqual(seenRequestIds, ['req-42']);
    await eventually('the outbox to be empty', async () => (await fixture.pendingCount()) === 0);
  });

  test('when the service closes, then its consumers stop before the broker closes', async () => {
    await app.close();
    assert.deepEqual(order, ['consumer stopped', 'broker closed']);
  });
});

test('when Kafka brokers are configured, then the service gets the Kafka broker and no relay without outboxes', async () => {
  const app = await serviceWith({
    service: 'events-plugin-kafka',
    kafka: { ...noKafka, kafkaBrokers: ['127.0.0.1:1'] },
    relay: [],
  });
  try {
    assert.ok(app.broker instanceof KafkaBroker);
  } finally {
    await app.close();
  }
});
