import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of the events backbone; one set per registry, shared by every relay and consumer. */
export interface EventMetrics {
  outboxPending: Gauge<'outbox'>;
  outboxOldestPendingAge: Gauge<'outbox'>;
  outboxPublished: Counter<'outbox' | 'topic'>;
  outboxPublishFailures: Counter<'outbox'>;
  outboxRelayDelay: Histogram<'outbox'>;
  consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  handlerDuration: Histogram<'group' | 'type' | 'outcome'>;
  handlerRetries: Counter<'group' | 'type'>;
  deadLettered: Counter<'group' | 'topic' | 'reason'>;
  consumed: Counter<'group' | 'type' | 'outcome'>;
}

const byRegistry = new WeakMap<Registry, EventMetrics>();

/** The metric set registered in `registry` (created on first use). Without a registry, a private one. */
export function eventMetrics(registry: Registry = new Registry()): EventMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = createMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

function createMetrics(registry: Registry): EventMetrics {
  const registers = [registry];
  return {
    outboxPending: new Gauge({
      name: 'events_outbox_pending',
      help: 'Outbox rows not yet published to the broker.',
      labelNames: ['outbox'],
      registers,
    }),
    outboxOldestPendingAge: new Gauge({
      name: 'events_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when none is pending).',
      labelNames: ['outbox'],
      registers,
    }),
    outboxPublished: new Counter({
      name: 'events_outbox_published_total',
      help: 'Outbox rows published to the broker and marked.',
      labelNames: ['outbox', 'topic'],
      registers,
    }),
    outboxPublishFailures: new Counter({
      name: 'events_outbox_publish_failures_total',
      help: 'Relay batches that failed to publish and were retried later.',
      labelNames: ['outbox'],
      registers,
    }),
    outboxRelayDelay: new Histogram({
      name: 'events_outbox_relay_delay_seconds',
      help: 'Time from writing an outbox row to its acknowledged publication.',
      labelNames: ['outbox'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'events_consumer_lag',
      help: 'Messages in a partition after the last one this consumer group handled.',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'events_handler_duration_seconds',
      help: 'Time to handle one event, including retries and dead-lettering.',
      labelNames: ['group', 'type', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    handlerRetries: new Counter({
      name: 'events_handler_retries_total',
      help: 'Handler attempts that failed with a transient error and were retried.',
      labelNames: ['group', 'type'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'events_dead_lettered_total',
      help: 'Messages moved to the dead-letter topic.',
      labelNames: ['group', 'topic', 'reason'],
      registers,
    }),
    consumed: new Counter({
      name: 'events_consumed_total',
      help: 'Messages a consumer group finished with, by outcome.',
      labelNames: ['group', 'type', 'outcome'],
      registers,
    }),
  };
}
