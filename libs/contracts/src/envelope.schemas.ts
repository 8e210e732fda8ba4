import Type, { type Static } from 'typebox';

/** `<aggregate>.<past-tense-verb>.v<major>`, lower-case words joined by dashes: `order.placed.v1`. */
export const EVENT_TYPE_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+\\.v[1-9][0-9]*$';

/**
 * The envelope every integration event travels in (the Kafka message value, as JSON). Trace context
 * (`traceparent`, `tracestate`) and the request id travel as message headers, not in the envelope.
 * Unknown properties are tolerated so that additive changes do not turn old consumers' input into poison.
 */
export const EventEnvelopeSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Unique per event; consumers deduplicate on it.' }),
  type: Type.String({ pattern: EVENT_TYPE_PATTERN }),
  source: Type.String({ minLength: 1, description: 'The producing service.' }),
  subject: Type.String({ minLength: 1, description: 'The aggregate id; the Kafka message key.' }),
  occurredAt: Type.String({ format: 'date-time' }),
  data: Type.Unknown(),
});

/** An event envelope; `TData` narrows `data` once it was checked against a contract. */
export type EventEnvelope<TData = unknown, TType extends string = string> = Omit<
  Static<typeof EventEnvelopeSchema>,
  'data' | 'type'
> & { type: TType; data: TData };

/** Message header names that carry context beside the envelope. */
export const EVENT_HEADERS = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  requestId: 'x-request-id',
} as const;
