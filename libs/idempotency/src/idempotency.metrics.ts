import { Counter, type Registry } from 'prom-client';

/** How opted-in requests ended at the idempotency layer. */
export type IdempotencyOutcome = 'executed' | 'recovered' | 'replayed' | 'mismatch' | 'in_flight';

export type IdempotencyMetrics = (outcome: IdempotencyOutcome) => void;

/** `idempotency_requests_total{outcome}` on the service's registry; nothing counted without one. */
export function idempotencyMetrics(registry: Registry | undefined): IdempotencyMetrics {
  if (registry === undefined) return () => {};
  const counter = new Counter({
    name: 'idempotency_requests_total',
    help: 'Requests with an Idempotency-Key by outcome: executed, recovered (took over a crashed attempt), replayed, mismatch (422), in_flight (409)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const children = new Map<IdempotencyOutcome, { inc(): void }>();
  return (outcome) => {
    let child = children.get(outcome);
    if (child === undefined) {
      child = counter.labels(outcome);
      children.set(outcome, child);
    }
    child.inc();
  };
}
