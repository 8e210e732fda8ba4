import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';

const tracer = trace.getTracer('@shop/events');

/**
 * Starts a "create" producer span under the active context, writes its trace context into `headers`
 * and ends it: the outbox row then carries the caller's trace to whoever consumes the event.
 */
export function injectTraceContext(
  headers: Record<string, string>,
  topic: string,
  eventType: string,
  eventId: string,
): void {
  const span = tracer.startSpan(`create ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.operation.type': 'create',
      'messaging.operation.name': 'create',
      'messaging.destination.name': topic,
      'messaging.message.id': eventId,
      'shop.event.type': eventType,
    },
  });
  propagation.inject(trace.setSpan(context.active(), span), headers, defaultTextMapSetter);
  span.end();
}

/**
 * Runs `publish` inside a "send" producer span for one relay batch, linked to the "create" span of every
 * message in it (OpenTelemetry's messaging conventions for batches): a trace then shows when its event
 * left the outbox, and the send span shows which events went together. Messages keep their own trace
 * context, so consumers stay children of the write that created the event.
 */
export async function tracedSend<T>(
  messages: readonly { topic: string; headers: Readonly<Record<string, string>> }[],
  attributes: { system: string; outbox: string },
  publish: () => Promise<T>,
): Promise<T> {
  const topics = [...new Set(messages.map((message) => message.topic))];
  const links = messages.flatMap((message) => {
    const created = trace.getSpanContext(
      propagation.extract(ROOT_CONTEXT, message.headers, defaultTextMapGetter),
    );
    return created === undefined ? [] : [{ context: created }];
  });
  const span = tracer.startSpan(`send ${topics.length === 1 ? topics[0] : 'batch'}`, {
    kind: SpanKind.PRODUCER,
    links,
    attributes: {
      'messaging.system': attributes.system,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.batch.message_count': messages.length,
      ...(topics.length === 1 ? { 'messaging.destination.name': topics[0] } : {}),
      'shop.outbox': attributes.outbox,
    },
  });
  try {
    return await publish();
  } catch (error) {
    recordSpanError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

export interface ConsumerSpanAttributes {
  system: string;
  topic: string;
  group: string;
  partition: number;
  offset: string;
  eventId?: string;
  eventType?: string;
}

/** A "process" consumer span whose parent is the trace context found in the message headers. */
export function startConsumerSpan(
  headers: Readonly<Record<string, string>>,
  attributes: ConsumerSpanAttributes,
): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const span = tracer.startSpan(
    `process ${attributes.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': attributes.system,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': attributes.topic,
        'messaging.destination.partition.id': String(attributes.partition),
        'messaging.consumer.group.name': attributes.group,
        'messaging.kafka.offset': Number(attributes.offset),
        ...(attributes.eventId === undefined ? {} : { 'messaging.message.id': attributes.eventId }),
        ...(attributes.eventType === undefined ? {} : { 'shop.event.type': attributes.eventType }),
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

export function recordSpanError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(String(error)));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
