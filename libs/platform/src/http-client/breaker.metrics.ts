import { Gauge, type Registry } from 'prom-client';

/** What the gauge reads of a client: its name and its breaker's current state. */
export interface BreakerSource {
  readonly name: string;
  readonly breakerState: string;
}

// cockatiel's CircuitState names, as label values.
const STATES: Record<string, string> = {
  Closed: 'closed',
  Open: 'open',
  HalfOpen: 'half_open',
  Isolated: 'isolated',
};

const sourcesByRegistry = new WeakMap<Registry, Set<BreakerSource>>();

/**
 * Exposes the breaker of `source` as `service_client_breaker_state{upstream,state}` (1 for its current
 * state, 0 for the others), read at scrape time. Returns a function that stops exposing it.
 */
export function exposeBreakerState(registry: Registry, source: BreakerSource): () => void {
  let sources = sourcesByRegistry.get(registry);
  if (sources === undefined) {
    const registered = (sources = new Set());
    sourcesByRegistry.set(registry, registered);
    new Gauge({
      name: 'service_client_breaker_state',
      help: 'Circuit breaker state per upstream: 1 for the current state (closed, open, half_open, isolated).',
      labelNames: ['upstream', 'state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const client of registered) {
          const current = STATES[client.breakerState];
          for (const state of Object.values(STATES)) {
            this.set({ upstream: client.name, state }, state === current ? 1 : 0);
          }
        }
      },
    });
  }
  sources.add(source);
  const registered = sources;
  return () => registered.delete(source);
}
