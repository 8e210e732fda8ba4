import { createMessageBroker, OutboxRelay, type KafkaConnection, type MessageBroker } from '@shop/events';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    broker: MessageBroker;
  }
}

export interface EventsPluginOptions {
  /** The Product DB, which holds the outbox. */
  databaseUrl: string;
  /** Brokers, topic settings, TLS and SASL; no brokers: the PostgreSQL stand-in bus in `busDatabaseUrl`. */
  kafka: KafkaConnection;
  busDatabaseUrl: string;
  relay: boolean;
}

/**
 * The message broker (Kafka, or the PostgreSQL stand-in) and the outbox relay that publishes what the
 * use cases wrote to the outbox. Consumers register after this plugin, so they stop before it closes.
 */
export const eventsPlugin = fp(
  async (app: FastifyInstance, opts: EventsPluginOptions) => {
    const broker = createMessageBroker({
      clientId: 'product',
      ...opts.kafka,
      busDatabaseUrl: opts.busDatabaseUrl,
      logger: app.log,
    });
    const relay = opts.relay
      ? new OutboxRelay({
          connectionString: opts.databaseUrl,
          broker,
          logger: app.log,
          registry: app.metrics,
          name: 'product',
        })
      : undefined;
    await relay?.start();
    app.decorate('broker', broker);
    app.addHook('onClose', async () => {
      await relay?.stop();
      await broker.close();
    });
  },
  { name: 'product-events', dependencies: ['platform-metrics'] },
);
