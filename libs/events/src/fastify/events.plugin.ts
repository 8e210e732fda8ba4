import { currentRequestId } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { EventConsumer, type EventConsumerOptions } from '../consumer/event-consumer.ts';
import { Outbox, type OutboxOptions } from '../outbox/outbox.ts';
import { outboxPublisher, type Publish } from '../outbox/outbox-publisher.ts';
import { OutboxRelay, type OutboxRelayOptions } from '../outbox/outbox-relay.ts';
import type { SqlTransaction } from '../sql.ts';
import { createMessageBroker } from '../transport/create-broker.ts';
import type { KafkaConnection } from '../transport/kafka-env.ts';
import type { MessageBroker } from '../transport/message-broker.ts';

declare module 'fastify' {
  interface FastifyInstance {
    broker: MessageBroker;
    events: ServiceEvents;
  }
}

/** An outbox this process relays: the service's database, and its schema when it is not the default. */
export type RelayedOutbox = Pick<OutboxRelayOptions, 'connectionString' | 'schema' | 'name'>;

export interface EventsPluginOptions {
  /** The service's name: the broker's client id and, by default, the label of its relays. */
  service: string;
  /** Brokers, topic settings, TLS and SASL (`kafkaConnectionFrom(config)`); no brokers: the stand-in bus. */
  kafka: KafkaConnection;
  /** Database of the PostgreSQL stand-in bus, used when `kafka` names no brokers. */
  busDatabaseUrl?: string;
  /** The outboxes to relay to the broker; empty when another process relays them. One per schema (shards). */
  relay: readonly RelayedOutbox[];
  /** The outbox `app.events.publisher` writes to (default: `outbox_events` on the search_path). */
  outbox?: OutboxOptions;
}

type ServiceConsumerOptions<TTx extends SqlTransaction> = Omit<
  EventConsumerOptions<TTx>,
  'broker' | 'logger' | 'registry'
>;

/** What the plugin gives the service's use cases and consumers. */
export interface ServiceEvents {
  /** The unit of work's `publish` capability: writes events to the outbox in a transaction, with the request id. */
  publisher: (tx: SqlTransaction) => Publish;
  /**
   * A consumer on the service's broker with its logger and metrics. Register its handlers, then start it;
   * the plugin stops it on close, before the relays and the broker.
   */
  consumer<TTx extends SqlTransaction>(options: ServiceConsumerOptions<TTx>): EventConsumer<TTx>;
}

/**
 * A service's events in one plugin: the broker the configuration asks for (Kafka, or the PostgreSQL
 * stand-in), the relays that publish what its use cases wrote to the outbox, the outbox publisher, and its
 * consumers, which close first so an event in hand finishes while the broker is still there.
 */
export const eventsPlugin = fp(
  async (app: FastifyInstance, opts: EventsPluginOptions) => {
    const broker = createMessageBroker({
      clientId: opts.service,
      ...opts.kafka,
      ...(opts.busDatabaseUrl === undefined ? {} : { busDatabaseUrl: opts.busDatabaseUrl }),
      logger: app.log,
    });
    const consumers: { stop(): Promise<void> }[] = [];
    const relays = opts.relay.map(
      (outbox) =>
        new OutboxRelay({
          name: opts.service,
          ...outbox,
          broker,
          logger: app.log,
          registry: app.metrics,
        }),
    );
    app.addHook('onClose', async () => {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await Promise.all(relays.map((relay) => relay.stop()));
      await broker.close();
    });
    await Promise.all(relays.map((relay) => relay.start()));

    app.decorate('broker', broker);
    app.decorate('events', {
      publisher: outboxPublisher({ outbox: new Outbox(opts.outbox), requestId: currentRequestId }),
      consumer<TTx extends SqlTransaction>(options: ServiceConsumerOptions<TTx>) {
        const consumer = new EventConsumer<TTx>({
          ...options,
          broker,
          logger: app.log,
          registry: app.metrics,
        });
        consumers.push(consumer);
        return consumer;
      },
    });
  },
  { name: 'events', dependencies: ['platform-metrics'] },
);
