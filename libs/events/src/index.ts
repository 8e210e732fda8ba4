export { prepareEvent } from './envelope.ts';
export type { EventInput, PreparedEvent } from './envelope.ts';
export { EventValidationError, PoisonEventError } from './events.errors.ts';
export type { BackoffOptions } from './backoff.ts';
export type { Logger } from './logger.ts';
export { PgListener } from './pg-listener.ts';
export type { PgListenerOptions } from './pg-listener.ts';
export { eventMetrics } from './metrics.ts';
export type { EventMetrics } from './metrics.ts';
export type { SqlTransaction } from './sql.ts';

export { Outbox } from './outbox/outbox.ts';
export type { OutboxOptions } from './outbox/outbox.ts';
export { outboxPublisher } from './outbox/outbox-publisher.ts';
export type { OutboxPublisherOptions, Publish } from './outbox/outbox-publisher.ts';
export { OutboxRelay } from './outbox/outbox-relay.ts';
export type { OutboxRelayOptions } from './outbox/outbox-relay.ts';
export {
  OUTBOX_COLUMNS,
  OUTBOX_TABLE,
  outboxChannel,
  PROCESSED_EVENTS_COLUMNS,
  PROCESSED_EVENTS_TABLE,
} from './outbox/event-tables.ts';

export { pruneProcessedEvents, recordProcessed } from './inbox/inbox.ts';
export type { InboxStore, InboxStoreSelector } from './inbox/inbox.ts';
export { EventConsumer } from './consumer/event-consumer.ts';
export type { EventConsumerOptions, EventHandler, HandlerContext } from './consumer/event-consumer.ts';

export { DEAD_LETTER_HEADERS, deadLetterTopicFor, fromDeadLetter } from './dead-letter/dead-letter.ts';
export type { DeadLetterReason } from './dead-letter/dead-letter.ts';
export { listDeadLetters, replayDeadLetters } from './dead-letter/dead-letter-admin.ts';
export type { DeadLetter, ReplayOptions } from './dead-letter/dead-letter-admin.ts';

export type {
  IncomingMessage,
  MessageBroker,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
} from './transport/message-broker.ts';
export { createMessageBroker } from './transport/create-broker.ts';
export { withTopicNamespace } from './transport/namespaced-broker.ts';
export type { MessageBrokerConfig } from './transport/create-broker.ts';
export { KafkaBroker } from './transport/kafka-broker.ts';
export type { KafkaBrokerOptions, KafkaSecurity } from './transport/kafka-broker.ts';
export { kafkaConnectionFrom, kafkaEnv, KafkaEnvSchema, kafkaEnvProblems } from './transport/kafka-env.ts';
export type { KafkaConnection, KafkaEnv } from './transport/kafka-env.ts';
export { PostgresBroker } from './transport/postgres-broker.ts';
export type { PostgresBrokerOptions } from './transport/postgres-broker.ts';
export { inClientTransaction, inPooledTransaction, withPooledClient } from './pooled-client.ts';
