import type { IncomingMessage, MessageBroker, OutgoingMessage } from '../transport/message-broker.ts';
import { DEAD_LETTER_HEADERS as H, fromDeadLetter } from './dead-letter.ts';

/** One dead-lettered message, summarized for people. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly originalTopic?: string;
  readonly group?: string;
  readonly reason?: string;
  readonly error?: string;
  readonly attempts?: number;
  readonly failedAt?: string;
  readonly message: IncomingMessage;
}

/** Reads every message of a dead-letter topic, oldest first. */
export async function* listDeadLetters(broker: MessageBroker, topic: string): AsyncIterable<DeadLetter> {
  for await (const message of broker.readTopic(topic)) yield describe(message);
}

export interface ReplayOptions {
  /** Replay only this event (every copy of it in the topic). */
  eventId?: string;
  /** Called after each published batch with the running count. */
  onProgress?(replayed: number): void;
}

const REPLAY_BATCH = 100;

/**
 * Publishes dead letters back to their original topics with their original key and headers. The
 * dead-letter topic is left as it is (it is a log); consumers' inboxes make a second replay harmless.
 */
export async function replayDeadLetters(
  broker: MessageBroker,
  topic: string,
  options: ReplayOptions = {},
): Promise<{ replayed: number }> {
  let replayed = 0;
  let batch: OutgoingMessage[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await broker.publish(batch);
    replayed += batch.length;
    batch = [];
    options.onProgress?.(replayed);
  };
  for await (const letter of listDeadLetters(broker, topic)) {
    if (options.eventId !== undefined && letter.eventId !== options.eventId) continue;
    batch.push(fromDeadLetter(letter.message));
    if (batch.length >= REPLAY_BATCH) await flush();
  }
  await flush();
  return { replayed };
}

function describe(message: IncomingMessage): DeadLetter {
  const envelope = parseEnvelope(message.value);
  const attempts = message.headers[H.attempts];
  return {
    partition: message.partition,
    offset: message.offset,
    message,
    ...defined({
      eventId: envelope?.id,
      eventType: envelope?.type,
      originalTopic: message.headers[H.originalTopic],
      group: message.headers[H.group],
      reason: message.headers[H.reason],
      error: message.headers[H.error],
      attempts: attempts === undefined ? undefined : Number(attempts),
      failedAt: message.headers[H.failedAt],
    }),
  };
}

function parseEnvelope(value: string | null): { id?: string; type?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(value ?? '');
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { id, type } = parsed as Record<string, unknown>;
    return { ...(typeof id === 'string' ? { id } : {}), ...(typeof type === 'string' ? { type } : {}) };
  } catch {
    return undefined;
  }
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
