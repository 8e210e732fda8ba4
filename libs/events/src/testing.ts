import type { EventContract, EventData } from '@shop/contracts';
import { prepareEvent } from './envelope.ts';
import type { MessageBroker } from './transport/message-broker.ts';

/** What a service's tests do with its events: send one as its producer would, and read back what was sent. */
export interface EventProbe {
  /** Publishes an event as its producer would (keyed by `subject`); returns its id. */
  publish<C extends EventContract>(
    contract: C,
    subject: string,
    data: EventData<C>,
    id?: string,
  ): Promise<string>;
  /** The events of one type on a topic for one subject, in order, as the broker holds them now. */
  eventsOf(topic: string, type: string, subject: string): Promise<Record<string, unknown>[]>;
}

/** An {@link EventProbe} on `broker` (a namespaced one keeps a test's topics apart). */
export function eventProbe(broker: MessageBroker): EventProbe {
  return {
    async publish(contract, subject, data, id) {
      const { topic, envelope } = prepareEvent(contract, { subject, data, ...(id ? { id } : {}) });
      await broker.publish([{ topic, key: subject, value: JSON.stringify(envelope), headers: {} }]);
      return envelope.id;
    },
    async eventsOf(topic, type, subject) {
      const found: Record<string, unknown>[] = [];
      for await (const message of broker.readTopic(topic)) {
        const event = message.value ? (JSON.parse(message.value) as Record<string, unknown>) : {};
        if (event['type'] === type && event['subject'] === subject) found.push(event);
      }
      return found;
    },
  };
}
