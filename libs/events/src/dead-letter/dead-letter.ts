import type { IncomingMessage, OutgoingMessage } from '../transport/message-broker.ts';

/** Headers a dead-lettered message carries beside its original headers. */
export const DEAD_LETTER_HEADERS = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  group: 'dlq-consumer-group',
  reason: 'dlq-reason',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

/** Why a message was dead-lettered. */
export type DeadLetterReason =
  'malformed' | 'invalid-envelope' | 'invalid-data' | 'rejected' | 'retries-exhausted';

/** The dead-letter topic of a consumer group: failures are per group, so is the place to inspect them. */
export function deadLetterTopicFor(group: string): string {
  return `${group}.dlq`;
}

const MAX_ERROR_LENGTH = 2_000;

export interface DeadLetterDetails {
  group: string;
  reason: DeadLetterReason;
  error: unknown;
  attempts: number;
}

/** The message to publish on the dead-letter topic for `message`. */
export function toDeadLetter(
  message: IncomingMessage,
  topic: string,
  details: DeadLetterDetails,
): OutgoingMessage {
  const error =
    details.error instanceof Error
      ? `${details.error.name}: ${details.error.message}`
      : String(details.error);
  return {
    topic,
    key: message.key ?? '',
    value: message.value ?? '',
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.originalTopic]: message.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(message.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: message.offset,
      [DEAD_LETTER_HEADERS.group]: details.group,
      [DEAD_LETTER_HEADERS.reason]: details.reason,
      [DEAD_LETTER_HEADERS.error]: error.slice(0, MAX_ERROR_LENGTH),
      [DEAD_LETTER_HEADERS.attempts]: String(details.attempts),
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
}

/** A dead-lettered message as it was before it failed: its original topic, key, value and headers. */
export function fromDeadLetter(message: IncomingMessage): OutgoingMessage {
  const topic = message.headers[DEAD_LETTER_HEADERS.originalTopic];
  if (topic === undefined) {
    throw new Error(
      `Message ${message.topic}/${message.partition}@${message.offset} has no ${DEAD_LETTER_HEADERS.originalTopic} header; it is not a dead letter written by @shop/events.`,
    );
  }
  const dlqHeaderNames = new Set<string>(Object.values(DEAD_LETTER_HEADERS));
  const headers = Object.fromEntries(
    Object.entries(message.headers).filter(([name]) => !dlqHeaderNames.has(name)),
  );
  return { topic, key: message.key ?? '', value: message.value ?? '', headers };
}
