/** A message to publish: the key orders messages (same key, same partition, delivery in order). */
export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A delivered message with its position in the log. */
export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SubscribeOptions {
  /** Consumer group: each message goes to one member of the group; every group gets every message. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * Handles one message. Messages of one partition arrive one at a time, in order; the next comes
   * only after this resolves. Rejecting (or the subscription closing, which aborts `signal`) leaves the
   * message uncommitted, so it is delivered again.
   */
  handle(message: IncomingMessage, signal: AbortSignal): Promise<void>;
  /** Reports how many messages of a partition remain after the last handled one. */
  onLag?(topic: string, partition: number, lag: number): void;
}

export interface Subscription {
  /** Finishes the message in hand, commits, and leaves the group. */
  close(): Promise<void>;
}

/**
 * The only part that differs between Kafka and the embedded stand-in: publish a batch durably,
 * subscribe as a member of a consumer group, and read a topic back (for dead-letter tooling).
 */
export interface MessageBroker {
  readonly kind: 'kafka' | 'postgres';
  /** Resolves once every message is durably stored (Kafka: acknowledged by all in-sync replicas). */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  /** Resolves once the member has joined its group and consumption has started. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Reads a topic from its beginning up to its end at the time of the call, without joining any group. */
  readTopic(topic: string): AsyncIterable<IncomingMessage>;
  /** Closes subscriptions and connections. */
  close(): Promise<void>;
}
