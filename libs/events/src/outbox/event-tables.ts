import { createHash } from 'node:crypto';

/** Table of the transactional outbox, declared by each service's schema.prisma (see README). */
export const OUTBOX_TABLE = 'outbox_events';

/** Column names of {@link OUTBOX_TABLE}. */
export const OUTBOX_COLUMNS = {
  seq: 'seq',
  id: 'id',
  topic: 'topic',
  key: 'key',
  type: 'type',
  payload: 'payload',
  headers: 'headers',
  createdAt: 'created_at',
} as const;

/** Table of the inbox: which consumer already handled which event, declared by each consuming service. */
export const PROCESSED_EVENTS_TABLE = 'processed_events';

/** Column names of {@link PROCESSED_EVENTS_TABLE}. */
export const PROCESSED_EVENTS_COLUMNS = {
  consumer: 'consumer',
  eventId: 'event_id',
  processedAt: 'processed_at',
} as const;

const MAX_CHANNEL_LENGTH = 63;

/** The LISTEN/NOTIFY channel that wakes the relay of one outbox (per schema, within one database). */
export function outboxChannel(schema?: string): string {
  const channel = `outbox:${schema ?? ''}`;
  if (Buffer.byteLength(channel) <= MAX_CHANNEL_LENGTH) return channel;
  // PostgreSQL rejects longer channel names; a digest keeps long schema names distinct.
  return `outbox:${createHash('sha256')
    .update(schema ?? '')
    .digest('hex')
    .slice(0, 40)}`;
}
