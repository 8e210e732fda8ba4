import { randomUUID } from 'node:crypto';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaConfig,
  type KafkaMessage,
  type LogEntry,
  type SASLOptions,
  type Producer,
} from 'kafkajs';
import { backoffDelay } from '../backoff.ts';
import { stderrLogger, type Logger } from '../logger.ts';
import type {
  IncomingMessage,
  MessageBroker,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
} from './message-broker.ts';

/** TLS and SASL towards the brokers, as managed Kafka (Amazon MSK, Confluent Cloud) requires. */
export interface KafkaSecurity {
  /** TLS to the brokers. `true`: trust the system's CAs; `{ caPem }`: trust this PEM bundle instead. */
  tls?: true | { caPem: string };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export interface KafkaBrokerOptions {
  brokers: readonly string[];
  /** Unset: plaintext without authentication (a private cluster, the test kit). */
  security?: KafkaSecurity;
  /** Identifies this service in broker logs and quotas. */
  clientId: string;
  /** Topics this client creates when it first publishes to or subscribes to them. */
  topics: {
    numPartitions: number;
    /** 3 in production; with more than one replica, `min.insync.replicas` is set to one less. */
    replicationFactor: number;
  };
  logger?: Logger;
  /** Group tuning; the defaults and why they were chosen are in libs/events/README.md. */
  consumer?: {
    sessionTimeoutMs?: number;
    heartbeatIntervalMs?: number;
    rebalanceTimeoutMs?: number;
    /** Partitions of one member handled at the same time, each still in order (default 3). */
    partitionsConsumedConcurrently?: number;
  };
  /** Upper bound of one publish, kafkajs' own retries included; then it fails and the relay backs off (default 30 s). */
  publishTimeoutMs?: number;
}

const DEFAULT_CONSUMER = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  partitionsConsumedConcurrently: 3,
};
const JOIN_TIMEOUT_MS = 60_000;
// Leaving the group and disconnecting cannot finish while the brokers are unreachable; shutdown must.
const DISCONNECT_TIMEOUT_MS = 10_000;
// kafkajs nests the cluster's retries inside the producer's, so both stay small; the relay retries on top.
// How long a new topic's partitions may take to get their leaders, and how often that is asked.
const TOPIC_LEADERS_TIMEOUT_MS = 30_000;
const TOPIC_LEADERS_POLL_MS = 100;
const CLIENT_RETRY = { initialRetryTime: 300, maxRetryTime: 5_000, retries: 5 };
const READ_IDLE_TIMEOUT_MS = 60_000;

/**
 * Kafka through kafkajs: an idempotent producer (`acks: -1`, one request in flight per broker so
 * retries cannot reorder), topics created from config, and consumer groups whose members keep
 * heartbeating while a slow handler runs.
 */
export class KafkaBroker implements MessageBroker {
  readonly kind = 'kafka';
  readonly #options: KafkaBrokerOptions;
  readonly #logger: Logger;
  readonly #kafka: Kafka;
  readonly #knownTopics = new Set<string>();
  readonly #subscriptions = new Set<KafkaSubscription>();
  #producer: Promise<Producer> | undefined;
  #admin: Promise<Admin> | undefined;
  #closed: Promise<void> | undefined;
  /** What kafkajs logged as going wrong since the last successful publish, for errors that must say what to check. */
  #lastTrouble = '';

  constructor(options: KafkaBrokerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? stderrLogger;
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: CLIENT_RETRY,
      logLevel: logLevel.INFO,
      logCreator: () => (entry) => this.#log(entry),
      ...kafkajsSecurity(options.security),
    });
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, { key: string; value: string; headers: IHeaders }[]>();
    for (const { topic, key, value, headers } of messages) {
      const batch = byTopic.get(topic) ?? [];
      // Copies: instrumentation may write into a message's headers while sending.
      batch.push({ key, value, headers: { ...headers } });
      byTopic.set(topic, batch);
    }
    let abandoned = false;
    const send = async (): Promise<void> => {
      await this.#ensureTopics([...byTopic.keys()]);
      const producer = await this.#connectedProducer();
      // A publish that timed out must not send late, after the caller has moved on.
      if (abandoned) return;
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, batch]) => ({ topic, messages: batch })),
      });
      this.#lastTrouble = '';
    };
    try {
      await withTimeout(send(), this.#options.publishTimeoutMs ?? 30_000, 'no acknowledgement in time');
    } catch (error) {
      abandoned = true;
      // A fresh producer id and sequence numbers after a failed send; the retry may duplicate, never reorder.
      this.#resetProducer();
      throw new Error(
        `Kafka publish of ${messages.length} message(s) failed: ${(error as Error).message}. ${remedyFor(error, this.#lastTrouble)}`,
        { cause: error },
      );
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const settings = { ...DEFAULT_CONSUMER, ...this.#options.consumer };
    const createConsumer = (): Consumer =>
      this.#kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: settings.sessionTimeoutMs,
        heartbeatInterval: settings.heartbeatIntervalMs,
        rebalanceTimeout: settings.rebalanceTimeoutMs,
        // A fetch long-poll in flight delays shutdown by up to this long; data still arrives at once.
        maxWaitTimeInMs: 1_000,
        allowAutoTopicCreation: false,
      });
    const subscription = new KafkaSubscription(createConsumer, options, settings, this.#logger, () =>
      this.#subscriptions.delete(subscription),
    );
    this.#subscriptions.add(subscription);
    try {
      await this.#ensureTopics(options.topics);
      await subscription.start();
    } catch (error) {
      await subscription.close().catch(() => undefined);
      throw new Error(
        `Could not join consumer group ${options.groupId} on ${options.topics.join(', ')}: ${(error as Error).message}. ${remedyFor(error, this.#lastTrouble)}`,
        { cause: error },
      );
    }
    return subscription;
  }

  async *readTopic(topic: string): AsyncIterable<IncomingMessage> {
    const admin = await this.#connectedAdmin();
    if (!(await admin.listTopics()).includes(topic)) return;
    const ends = new Map<number, bigint>();
    for (const partition of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(partition.high) > BigInt(partition.low))
        ends.set(partition.partition, BigInt(partition.high));
    }
    if (ends.size === 0) return;

    const groupId = `read-${topic}-${randomUUID()}`;
    const consumer = this.#kafka.consumer({ groupId, maxWaitTimeInMs: 1_000, allowAutoTopicCreation: false });
    const buffered: IncomingMessage[] = [];
    let wake: (() => void) | undefined;
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition);
          if (end === undefined || BigInt(message.offset) >= end) return;
          buffered.push(toIncoming(topic, partition, message));
          if (BigInt(message.offset) + 1n >= end) ends.delete(partition);
          wake?.();
        },
      });
      while (ends.size > 0 || buffered.length > 0) {
        const next = buffered.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        const progressed = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), READ_IDLE_TIMEOUT_MS);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = undefined;
        if (!progressed)
          throw new Error(
            `Reading ${topic} stalled for ${READ_IDLE_TIMEOUT_MS / 1000}s; check that the brokers are up and retry.`,
          );
      }
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
      const [producer, admin] = [this.#producer, this.#admin];
      this.#producer = undefined;
      this.#admin = undefined;
      const disconnect = async (client: Promise<Producer | Admin> | undefined): Promise<void> => {
        const connected = await client?.catch(() => undefined);
        if (connected)
          await withTimeout(
            connected.disconnect(),
            DISCONNECT_TIMEOUT_MS,
            'Kafka client did not disconnect',
          ).catch(() => undefined);
      };
      await Promise.all([disconnect(producer), disconnect(admin)]);
    })();
    return this.#closed;
  }

  async #ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((topic) => !this.#knownTopics.has(topic));
    if (missing.length === 0) return;
    const admin = await this.#connectedAdmin();
    const { numPartitions, replicationFactor } = this.#options.topics;
    const configEntries =
      replicationFactor > 1 ? [{ name: 'min.insync.replicas', value: String(replicationFactor - 1) }] : [];
    // kafkajs waits for the leaders only of a topic it created itself: when another process created one a
    // moment ago, createTopics answers "exists" at once and a publish could still meet a partition with no
    // leader. So the wait is ours, for every topic asked for, whoever created it.
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor, configEntries })),
      waitForLeaders: false,
    });
    await this.#waitForLeaders(admin, missing);
    for (const topic of missing) this.#knownTopics.add(topic);
  }

  async #waitForLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
    const deadline = Date.now() + TOPIC_LEADERS_TIMEOUT_MS;
    let lastProblem = '';
    for (;;) {
      try {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
        const leaderless = metadata.filter(
          ({ partitions }) => partitions.length === 0 || partitions.some(({ leader }) => leader < 0),
        );
        if (leaderless.length === 0) return;
        lastProblem = `no leader yet for ${leaderless.map(({ name }) => name).join(', ')}`;
      } catch (error) {
        // UNKNOWN_TOPIC_OR_PARTITION while the controller's metadata reaches the broker asked.
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `Kafka topics ${topics.join(', ')} have no leader after ${TOPIC_LEADERS_TIMEOUT_MS} ms ` +
            `(${lastProblem}): check that every broker of KAFKA_BROKERS is up and in the cluster, then retry.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, TOPIC_LEADERS_POLL_MS));
    }
  }

  #connectedProducer(): Promise<Producer> {
    this.#producer ??= (async () => {
      const producer = this.#kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: CLIENT_RETRY,
      });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      this.#producer = undefined;
      throw error;
    });
    return this.#producer;
  }

  #resetProducer(): void {
    const stale = this.#producer;
    this.#producer = undefined;
    void stale?.then((producer) => producer.disconnect()).catch(() => undefined);
  }

  #connectedAdmin(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = this.#kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.#admin = undefined;
      throw error;
    });
    return this.#admin;
  }

  #log({ level, namespace, log }: LogEntry): void {
    const { message, ...details } = log;
    // Bounded publish retries are deliberate: a publish that gives up is repeated by the relay and any
    // duplicate it causes is absorbed by consumers' inboxes.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const entry = { kafkajs: namespace, ...details };
    // kafkajs reports every failed attempt as an error; what the outcome means is logged by the relay and
    // the consumers, so these are warnings.
    if (level === logLevel.ERROR || level === logLevel.WARN) {
      this.#logger.warn(entry, `kafkajs: ${message}`);
      // A publish that times out while connections keep failing should still say why they fail.
      this.#lastTrouble = `${message} ${typeof details['error'] === 'string' ? details['error'] : ''}`;
    } else {
      this.#logger.debug(entry, `kafkajs: ${message}`);
    }
  }
}

function kafkajsSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (security === undefined) return {};
  const { tls, sasl } = security;
  return {
    ...(tls === undefined ? {} : { ssl: tls === true ? true : { ca: [tls.caPem] } }),
    ...(sasl === undefined ? {} : { sasl: { ...sasl } as SASLOptions }),
  };
}

/**
 * What to do about a failure to reach Kafka, for the end of an error message: from the error, or from what
 * kafkajs last logged when the error itself is only a timeout.
 */
function remedyFor(error: unknown, lastTrouble: string): string {
  const messages: string[] = [lastTrouble];
  for (let e = error; e instanceof Error && messages.length < 11; e = e.cause)
    messages.push(e.name, e.message);
  const text = messages.join(' ');
  if (/SASL|authenticat/i.test(text)) {
    return 'Kafka refused the credentials: check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD.';
  }
  if (/certificate|self[- ]signed|CERT_|TLS|SSL/i.test(text)) {
    return "The brokers' TLS certificate is not trusted: set KAFKA_TLS_CA_FILE to the CA bundle that signed it, and check that KAFKA_BROKERS names the hosts the certificate is for.";
  }
  return 'Check KAFKA_BROKERS, that the brokers are up, and whether they require KAFKA_TLS or KAFKA_SASL_* settings.';
}

type ConsumerSettings = typeof DEFAULT_CONSUMER;

/**
 * One group member: its batches are handled message by message while a timer keeps heartbeating. kafkajs
 * restarts a crashed consumer only after retriable errors; after any other crash (a coordinator that
 * cannot be found while the cluster is down, say) the member is rebuilt here, with backoff.
 */
class KafkaSubscription implements Subscription {
  readonly #createConsumer: () => Consumer;
  readonly #options: SubscribeOptions;
  readonly #settings: ConsumerSettings;
  readonly #logger: Logger;
  readonly #onClosed: () => void;
  readonly #closing = new AbortController();
  #consumer: Consumer | undefined;
  #relaunch: NodeJS.Timeout | undefined;
  #onJoined: () => void = () => undefined;
  #closed: Promise<void> | undefined;

  constructor(
    createConsumer: () => Consumer,
    options: SubscribeOptions,
    settings: ConsumerSettings,
    logger: Logger,
    onClosed: () => void,
  ) {
    this.#createConsumer = createConsumer;
    this.#options = options;
    this.#settings = settings;
    this.#logger = logger;
    this.#onClosed = onClosed;
  }

  /** Resolves once the member first joined its group. */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const joined = new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no group assignment within ${JOIN_TIMEOUT_MS / 1000}s`)),
        JOIN_TIMEOUT_MS,
      );
      this.#onJoined = resolve;
      this.#launch().catch(reject);
    });
    try {
      await joined;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      clearTimeout(this.#relaunch);
      const consumer = this.#consumer;
      if (consumer !== undefined) {
        await withTimeout(
          consumer.disconnect(),
          DISCONNECT_TIMEOUT_MS,
          'Kafka consumer did not disconnect',
        ).catch((error: unknown) =>
          this.#logger.warn(
            { err: error, group: this.#options.groupId },
            'events: left the consumer group uncleanly; its partitions move after the session timeout',
          ),
        );
      }
      this.#onClosed();
    })();
    return this.#closed;
  }

  async #launch(): Promise<void> {
    const consumer = this.#createConsumer();
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.#onJoined());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.#closing.signal.aborted) return;
      this.#logger.warn(
        {
          err: payload.error,
          group: this.#options.groupId,
          restartedBy: payload.restart ? 'kafkajs' : 'events',
        },
        'events: Kafka consumer crashed; restarting it',
      );
      if (!payload.restart) this.#relaunchLater(1);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.#options.topics], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  #relaunchLater(failures: number): void {
    const delayMs = backoffDelay(failures, { initialMs: 1_000, maxMs: 30_000 });
    this.#relaunch = setTimeout(() => {
      if (this.#closing.signal.aborted) return;
      const stale = this.#consumer;
      void (async () => {
        await stale?.disconnect().catch(() => undefined);
        await this.#launch();
      })().catch((error: unknown) => {
        this.#logger.warn(
          { err: error, group: this.#options.groupId, failures },
          'events: could not restart the Kafka consumer; retrying',
        );
        this.#relaunchLater(failures + 1);
      });
    }, delayMs);
  }

  async #eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    let rebalancing = false;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || rebalancing || this.#closing.signal.aborted) return;
      // kafkajs heartbeats only between messages; a slow handler would otherwise lose the membership.
      const ticker = setInterval(() => {
        heartbeat().catch(() => (rebalancing = true));
      }, this.#settings.heartbeatIntervalMs);
      try {
        await this.#options.handle(toIncoming(batch.topic, batch.partition, message), this.#closing.signal);
      } catch (error) {
        if (this.#closing.signal.aborted) return;
        throw error;
      } finally {
        clearInterval(ticker);
      }
      resolveOffset(message.offset);
      this.#options.onLag?.(
        batch.topic,
        batch.partition,
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(message.offset) - 1n)),
      );
      await commitOffsetsIfNecessary();
      await heartbeat().catch((error: unknown) => {
        rebalancing = true;
        this.#logger.debug(
          { err: error, group: this.#options.groupId },
          'events: group is rebalancing; finishing the batch early',
        );
      });
    }
  }
}

function toIncoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers,
  };
}

/** Rejects with `reason` after `ms`; the operation itself is abandoned, not cancelled. */
async function withTimeout<T>(operation: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${reason} (${ms / 1000}s)`)), ms);
  });
  operation.catch(() => undefined);
  try {
    return await Promise.race([operation, expired]);
  } finally {
    clearTimeout(timer);
  }
}
