import type { IncomingMessage, MessageBroker, Subscription } from './message-broker.ts';

/**
 * A broker whose topics and consumer groups all carry `namespace` as a prefix (`staging.order-events`), so
 * environments, or test runs, that share one Kafka cluster never read each other's events nor split each
 * other's consumer groups. Callers keep using the contracts' topic names: the prefix is added on the way
 * out and removed from what is delivered.
 */
export function withTopicNamespace(broker: MessageBroker, namespace: string): MessageBroker {
  const prefix = `${namespace}.`;
  const strip = (message: IncomingMessage): IncomingMessage => ({
    ...message,
    topic: message.topic.startsWith(prefix) ? message.topic.slice(prefix.length) : message.topic,
  });
  return {
    kind: broker.kind,
    publish: (messages) =>
      broker.publish(messages.map((message) => ({ ...message, topic: prefix + message.topic }))),
    subscribe: (options): Promise<Subscription> =>
      broker.subscribe({
        groupId: prefix + options.groupId,
        topics: options.topics.map((topic) => prefix + topic),
        handle: (message, signal) => options.handle(strip(message), signal),
        ...(options.onLag === undefined
          ? {}
          : { onLag: (topic, partition, lag) => options.onLag!(topic.slice(prefix.length), partition, lag) }),
      }),
    async *readTopic(topic) {
      for await (const message of broker.readTopic(prefix + topic)) yield strip(message);
    },
    close: () => broker.close(),
  };
}
