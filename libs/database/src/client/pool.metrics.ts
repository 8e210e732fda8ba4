import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

interface ExposedPool {
  name: string;
  pool: pg.Pool;
}

const poolsByRegistry = new WeakMap<Registry, Set<ExposedPool>>();

/**
 * Exposes a node-postgres pool on `registry`, read at scrape time: `db_pool_connections{pool,state}` (idle,
 * busy), `db_pool_waiting_clients{pool}` (queries queued for a connection) and `db_pool_max_connections{pool}`.
 * Returns a function that stops exposing it.
 */
export function exposePoolMetrics(registry: Registry, name: string, pool: pg.Pool): () => void {
  let pools = poolsByRegistry.get(registry);
  if (pools === undefined) {
    pools = new Set();
    poolsByRegistry.set(registry, pools);
    registerGauges(registry, pools);
  }
  const exposed = { name, pool };
  pools.add(exposed);
  const registered = pools;
  return () => registered.delete(exposed);
}

function registerGauges(registry: Registry, pools: Set<ExposedPool>): void {
  const registers = [registry];
  new Gauge({
    name: 'db_pool_connections',
    help: 'Open connections of a database pool by state: idle, or busy (checked out by a query or transaction).',
    labelNames: ['pool', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const { name, pool } of pools) {
        this.inc({ pool: name, state: 'idle' }, pool.idleCount);
        this.inc({ pool: name, state: 'busy' }, pool.totalCount - pool.idleCount);
      }
    },
  });
  new Gauge({
    name: 'db_pool_waiting_clients',
    help: 'Queries waiting for a connection of a full pool; past the connect timeout they are answered 503.',
    labelNames: ['pool'] as const,
    registers,
    collect() {
      this.reset();
      for (const { name, pool } of pools) this.inc({ pool: name }, pool.waitingCount);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'The most connections a database pool opens.',
    labelNames: ['pool'] as const,
    registers,
    collect() {
      this.reset();
      for (const { name, pool } of pools) this.inc({ pool: name }, pool.options.max ?? 10);
    },
  });
}
