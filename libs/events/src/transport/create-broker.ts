import type { Logger } from '../logger.ts';
import { KafkaBroker, type KafkaBrokerOptions } from './kafka-broker.ts';
import type { MessageBroker } from './message-broker.ts';
import { withTopicNamespace } from './namespaced-broker.ts';
import { PostgresBroker } from './postgres-broker.ts';

export interface MessageBrokerConfig {
  /** Identifies the service to the broker. */
  clientId: string;
  /** `KAFKA_BROKERS`, split on commas; when empty, the PostgreSQL stand-in is used. */
  kafkaBrokers?: readonly string[];
  /** Partitions and replication factor of topics created on Kafka (default 3 and 1). */
  topics?: KafkaBrokerOptions['topics'];
  consumer?: KafkaBrokerOptions['consumer'];
  /** TLS and SASL towards Kafka (see kafkaConnectionFrom for the environment that sets them). */
  security?: KafkaBrokerOptions['security'];
  /** Database of the stand-in bus, shared by every service of the embedded run. */
  busDatabaseUrl?: string;
  /** Prefix of every topic and consumer group (KAFKA_NAMESPACE), for environments sharing one cluster. */
  namespace?: string;
  logger?: Logger;
}

/**
 * Kafka when brokers are configured, otherwise the PostgreSQL stand-in: services get a
 * {@link MessageBroker} and cannot tell which one runs underneath.
 */
export function createMessageBroker(config: MessageBrokerConfig): MessageBroker {
  const broker = createBroker(config);
  return config.namespace === undefined || config.namespace === ''
    ? broker
    : withTopicNamespace(broker, config.namespace);
}

function createBroker(config: MessageBrokerConfig): MessageBroker {
  const logger = config.logger;
  if (config.kafkaBrokers !== undefined && config.kafkaBrokers.length > 0) {
    return new KafkaBroker({
      brokers: config.kafkaBrokers,
      clientId: config.clientId,
      topics: config.topics ?? { numPartitions: 3, replicationFactor: 1 },
      ...(config.consumer === undefined ? {} : { consumer: config.consumer }),
      ...(config.security === undefined ? {} : { security: config.security }),
      ...(logger === undefined ? {} : { logger }),
    });
  }
  if (config.busDatabaseUrl !== undefined && config.busDatabaseUrl !== '') {
    return new PostgresBroker({
      connectionString: config.busDatabaseUrl,
      ...(logger === undefined ? {} : { logger }),
    });
  }
  throw new Error(
    'No message broker configured: set KAFKA_BROKERS (host:port,...) for Kafka, or give the event bus a database URL for the embedded stand-in.',
  );
}
