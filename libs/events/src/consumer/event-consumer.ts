import { context } from '@opentelemetry/api';
import {
  EVENT_HEADERS,
  EventEnvelopeSchema,
  type EventContract,
  type EventData,
  type EventEnvelope,
} from '@shop/contracts';
import type { Registry } from 'prom-client';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';
import { deadLetterTopicFor, toDeadLetter, type DeadLetterReason } from '../dead-letter/dead-letter.ts';
import { validatorOf } from '../envelope.ts';
import { PoisonEventError } from '../events.errors.ts';
import { pruneProcessedEvents, recordProcessed, type InboxStoreSelector } from '../inbox/inbox.ts';
import { stderrLogger, type Logger } from '../logger.ts';
import { eventMetrics, type EventMetrics } from '../metrics.ts';
import type { SqlTransaction } from '../sql.ts';
import { recordSpanError, startConsumerSpan } from '../tracing.ts';
import type { IncomingMessage, MessageBroker, Subscription } from '../transport/message-broker.ts';

/** What a handler gets beside the event. */
export interface HandlerContext<TTx> {
  /** The transaction the inbox record commits in: make every effect through it. */
  tx: TTx;
  /** 1 on first delivery to the handler, higher on retries. */
  attempt: number;
  requestId?: string;
  headers: Readonly<Record<string, string>>;
}

/** Handles one event. Throw to retry; throw {@link PoisonEventError} to dead-letter at once. */
export type EventHandler<TContract extends EventContract, TTx> = (
  event: EventEnvelope<EventData<TContract>, TContract['type']>,
  context: HandlerContext<TTx>,
) => Promise<void>;

export interface EventConsumerOptions<TTx extends SqlTransaction> {
  broker: MessageBroker;
  /** Consumer group and inbox name, e.g. `payment.order-placed`; one per independent reaction. */
  group: string;
  inbox: InboxStoreSelector<TTx>;
  logger?: Logger;
  registry?: Registry;
  /** Attempts before a failing event is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Delay between attempts (default 200 ms doubling to 5 s). */
  retryBackoff?: BackoffOptions;
  /** Defaults to `<group>.dlq`. */
  deadLetterTopic?: string;
  /**
   * Inbox records older than this are deleted hourly (default 7 days). Only for a fixed inbox store;
   * with a store per shard, call {@link pruneProcessedEvents} for each shard.
   */
  inboxRetentionMs?: number;
}

type Outcome = 'processed' | 'duplicate' | 'dead-lettered';

const PRUNE_INTERVAL_MS = 3_600_000;
const PRUNE_CHUNK = 10_000;

interface Registration<TTx> {
  contract: EventContract;
  handler: EventHandler<EventContract, TTx>;
}

type Parsed<TTx> =
  | { kind: 'event'; envelope: EventEnvelope; registration: Registration<TTx> }
  | { kind: 'ignored'; type: string }
  | { kind: 'poison'; reason: DeadLetterReason; error: Error; envelope?: EventEnvelope };

/**
 * An idempotent consumer: validates each message against its contract, runs the handler and the
 * inbox record in one transaction (a redelivered event changes nothing), retries transient failures
 * with backoff and dead-letters poison or exhausted events, then moves on.
 */
export class EventConsumer<TTx extends SqlTransaction = SqlTransaction> {
  readonly #options: EventConsumerOptions<TTx>;
  readonly #handlers = new Map<string, Registration<TTx>>();
  readonly #logger: Logger;
  readonly #metrics: EventMetrics;
  readonly #deadLetterTopic: string;
  #subscription: Subscription | undefined;
  #pruning: NodeJS.Timeout | undefined;

  constructor(options: EventConsumerOptions<TTx>) {
    this.#options = options;
    this.#logger = options.logger ?? stderrLogger;
    this.#metrics = eventMetrics(options.registry);
    this.#deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicFor(options.group);
  }

  /** Registers the handler of one event type; types without a handler on the same topics are skipped. */
  on<TContract extends EventContract>(contract: TContract, handler: EventHandler<TContract, TTx>): this {
    if (this.#subscription !== undefined)
      throw new Error(`Register handlers of ${this.#options.group} before start().`);
    if (this.#handlers.has(contract.type))
      throw new Error(`${this.#options.group} already handles ${contract.type}.`);
    this.#handlers.set(contract.type, {
      contract,
      handler: handler as unknown as EventHandler<EventContract, TTx>,
    });
    return this;
  }

  /** Joins the consumer group on the topics of the registered contracts. */
  async start(): Promise<void> {
    if (this.#handlers.size === 0)
      throw new Error(`${this.#options.group} has no handlers; call on(contract, handler) first.`);
    const topics = [...new Set([...this.#handlers.values()].map(({ contract }) => contract.topic))];
    const group = this.#options.group;
    this.#subscription = await this.#options.broker.subscribe({
      groupId: group,
      topics,
      handle: (message, signal) => this.#handle(message, signal),
      onLag: (topic, partition, lag) =>
        this.#metrics.consumerLag.set({ group, topic, partition: String(partition) }, lag),
    });
    this.#logger.info({ group, topics }, 'events: consumer started');
    if (typeof this.#options.inbox !== 'function') {
      this.#pruning = setInterval(() => void this.#pruneInbox(), PRUNE_INTERVAL_MS);
      this.#pruning.unref();
    }
  }

  /** Finishes the event in hand and leaves the group. */
  async stop(): Promise<void> {
    clearInterval(this.#pruning);
    await this.#subscription?.close();
    this.#subscription = undefined;
  }

  async #pruneInbox(): Promise<void> {
    const { inbox, group } = this.#options;
    if (typeof inbox === 'function') return;
    const olderThanMs = this.#options.inboxRetentionMs ?? 7 * 24 * 3_600_000;
    try {
      let pruned = PRUNE_CHUNK;
      while (pruned === PRUNE_CHUNK && this.#subscription !== undefined) {
        pruned = await inbox.transaction((tx) =>
          pruneProcessedEvents(tx, {
            consumer: group,
            olderThanMs,
            limit: PRUNE_CHUNK,
            ...(inbox.schema === undefined ? {} : { schema: inbox.schema }),
          }),
        );
      }
    } catch (error) {
      this.#logger.warn(
        { err: error, group },
        'events: could not prune old inbox records; retrying in an hour',
      );
    }
  }

  async #handle(message: IncomingMessage, signal: AbortSignal): Promise<void> {
    const group = this.#options.group;
    const parsed = this.#parse(message);
    if (parsed.kind === 'ignored') {
      this.#metrics.consumed.inc({ group, type: parsed.type, outcome: 'ignored' });
      return;
    }
    const type = parsed.envelope?.type ?? 'unknown';
    const started = performance.now();
    const { span, context: spanContext } = startConsumerSpan(message.headers, {
      system: this.#options.broker.kind,
      topic: message.topic,
      group,
      partition: message.partition,
      offset: message.offset,
      ...(parsed.envelope === undefined
        ? {}
        : { eventId: parsed.envelope.id, eventType: parsed.envelope.type }),
    });
    try {
      const outcome = await context.with(spanContext, () =>
        parsed.kind === 'poison'
          ? this.#deadLetter(message, parsed.reason, parsed.error, 0, signal)
          : this.#process(message, parsed.envelope, parsed.registration, signal),
      );
      span.setAttribute('shop.event.outcome', outcome);
      this.#metrics.consumed.inc({ group, type, outcome });
      this.#metrics.handlerDuration.observe({ group, type, outcome }, (performance.now() - started) / 1000);
    } catch (error) {
      recordSpanError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  #parse(message: IncomingMessage): Parsed<TTx> {
    let value: unknown;
    try {
      value = JSON.parse(message.value ?? '');
    } catch (error) {
      return { kind: 'poison', reason: 'malformed', error: error as Error };
    }
    const envelopeValidator = validatorOf(EventEnvelopeSchema);
    if (!envelopeValidator.Check(value)) {
      return {
        kind: 'poison',
        reason: 'invalid-envelope',
        error: validationError('envelope', envelopeValidator.Errors(value)),
      };
    }
    const envelope = value as EventEnvelope;
    const registration = this.#handlers.get(envelope.type);
    if (registration === undefined) return { kind: 'ignored', type: envelope.type };
    const dataValidator = validatorOf(registration.contract.schema);
    if (!dataValidator.Check(envelope.data)) {
      return {
        kind: 'poison',
        reason: 'invalid-data',
        error: validationError(`data of ${envelope.type}`, dataValidator.Errors(envelope.data)),
        envelope,
      };
    }
    return { kind: 'event', envelope, registration };
  }

  async #process(
    message: IncomingMessage,
    envelope: EventEnvelope,
    registration: Registration<TTx>,
    signal: AbortSignal,
  ): Promise<Outcome> {
    const { group, inbox } = this.#options;
    const maxAttempts = this.#options.maxAttempts ?? 5;
    const requestId = message.headers[EVENT_HEADERS.requestId];
    for (let attempt = 1; ; attempt += 1) {
      try {
        const store = typeof inbox === 'function' ? inbox(envelope) : inbox;
        const duplicate = await store.transaction(async (tx) => {
          if (!(await recordProcessed(tx, group, envelope.id, store.schema))) return true;
          await registration.handler(envelope, {
            tx,
            attempt,
            headers: message.headers,
            ...(requestId === undefined ? {} : { requestId }),
          });
          return false;
        });
        return duplicate ? 'duplicate' : 'processed';
      } catch (error) {
        if (signal.aborted) throw error;
        if (error instanceof PoisonEventError)
          return this.#deadLetter(message, 'rejected', error, attempt, signal);
        if (attempt >= maxAttempts)
          return this.#deadLetter(message, 'retries-exhausted', error, attempt, signal);
        const delayMs = backoffDelay(attempt, this.#options.retryBackoff ?? { initialMs: 200, maxMs: 5_000 });
        this.#metrics.handlerRetries.inc({ group, type: envelope.type });
        this.#logger.warn(
          { err: error, group, eventId: envelope.id, type: envelope.type, attempt, retryInMs: delayMs },
          'events: handler failed; retrying',
        );
        await sleep(delayMs, signal);
        if (signal.aborted)
          throw new Error(
            `${group} stopped while retrying event ${envelope.id}; it will be delivered again.`,
          );
      }
    }
  }

  async #deadLetter(
    message: IncomingMessage,
    reason: DeadLetterReason,
    error: unknown,
    attempts: number,
    signal: AbortSignal,
  ): Promise<Outcome> {
    const group = this.#options.group;
    const deadLetter = toDeadLetter(message, this.#deadLetterTopic, { group, reason, error, attempts });
    // A dead letter must not be lost either: keep trying while the broker is unreachable.
    for (let failures = 0; ; failures += 1) {
      try {
        await this.#options.broker.publish([deadLetter]);
        break;
      } catch (publishError) {
        if (signal.aborted) throw publishError;
        this.#logger.warn(
          { err: publishError, group, topic: this.#deadLetterTopic },
          'events: could not publish a dead letter; retrying',
        );
        await sleep(backoffDelay(failures + 1, { initialMs: 200, maxMs: 10_000 }), signal);
      }
    }
    this.#metrics.deadLettered.inc({ group, topic: message.topic, reason });
    this.#logger.error(
      {
        err: error,
        group,
        reason,
        attempts,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        deadLetterTopic: this.#deadLetterTopic,
      },
      `events: message dead-lettered; inspect and replay it with: node tools/dlq.ts list ${this.#deadLetterTopic}`,
    );
    return 'dead-lettered';
  }
}

function validationError(what: string, errors: readonly { instancePath: string; message: string }[]): Error {
  const details = errors.slice(0, 5).map((error) => `${error.instancePath || '/'} ${error.message}`);
  return new Error(`Invalid ${what}: ${details.join('; ')}`);
}
