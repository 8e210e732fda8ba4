import { Counter, Gauge, Registry } from 'prom-client';

/** The Prometheus metrics of sharded data access; one set per registry. */
export interface ShardingMetrics {
  /** The shard map version this replica routes by: all replicas equal once a change has reached them. */
  mapVersion: Gauge;
  /** Writes refused because their shard was frozen for a move. */
  frozenWrites: Counter<'shard'>;
}

const byRegistry = new WeakMap<Registry, ShardingMetrics>();

/** The metric set registered in `registry` (created on first use). Without a registry, a private one. */
export function shardingMetrics(registry: Registry = new Registry()): ShardingMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    const registers = [registry];
    metrics = {
      mapVersion: new Gauge({
        name: 'sharding_map_version',
        help: 'The shard map version this replica routes by.',
        registers,
      }),
      frozenWrites: new Counter({
        name: 'sharding_frozen_writes_total',
        help: 'Writes refused with 503 because their shard was frozen for a move.',
        labelNames: ['shard'],
        registers,
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
