import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { Pool } from 'undici';
import type { GatewayConfig, UpstreamName } from '../config.ts';

/** A service behind the gateway: its keep-alive pool and its circuit breaker. */
export interface Upstream {
  name: UpstreamName;
  origin: string;
  pool: Pool;
  breaker: CircuitBreakerPolicy;
  /** How long an open breaker stays open, for Retry-After. */
  halfOpenAfterMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    upstreams: Record<UpstreamName, Upstream>;
  }
}

const READY_PROBE_TIMEOUT_MS = 1_500;

async function answersReady(upstream: Upstream): Promise<void> {
  const { statusCode, body } = await upstream.pool.request({
    method: 'GET',
    path: '/ready',
    headersTimeout: READY_PROBE_TIMEOUT_MS,
    bodyTimeout: READY_PROBE_TIMEOUT_MS,
  });
  await body.dump();
  if (statusCode !== 200) throw new Error(`${upstream.name} /ready answered ${statusCode}`);
}

/**
 * One undici pool (keep-alive, TLS verified) and one breaker per upstream, shared by every route to it; each
 * upstream's /ready joins the gateway's readiness. Pools close when the gateway does.
 */
export const upstreamsPlugin = fp(
  async (app: FastifyInstance, { config }: { config: GatewayConfig }) => {
    const entries = (Object.entries(config.upstreams) as [UpstreamName, string][]).map(([name, origin]) => {
      const breaker = circuitBreaker(handleAll, {
        halfOpenAfter: config.BREAKER_HALF_OPEN_AFTER_MS,
        breaker: new ConsecutiveBreaker(config.BREAKER_CONSECUTIVE_FAILURES),
      });
      breaker.onStateChange((state) =>
        app.log.warn(
          { upstream: name, state: CircuitState[state] },
          'upstream circuit breaker changed state',
        ),
      );
      const upstream: Upstream = {
        name,
        origin,
        pool: new Pool(origin, { connections: config.UPSTREAM_CONNECTIONS }),
        breaker,
        halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_MS,
      };
      return [name, upstream] as const;
    });
    const upstreams = Object.fromEntries(entries) as Record<UpstreamName, Upstream>;
    app.decorate('upstreams', upstreams);
    new Gauge({
      name: 'gateway_upstream_circuit_state',
      help: "Each upstream's circuit breaker: 0 closed (calling it), 1 open (answering 503), 2 half-open (one trial call)",
      labelNames: ['upstream'] as const,
      registers: [app.metrics],
      collect() {
        for (const upstream of Object.values(upstreams)) {
          const state = upstream.breaker.state;
          this.set(
            { upstream: upstream.name },
            state === CircuitState.Closed ? 0 : state === CircuitState.HalfOpen ? 2 : 1,
          );
        }
      },
    });
    for (const upstream of Object.values(upstreams)) {
      app.readiness.addCheck(upstream.name, () => answersReady(upstream));
    }
    app.addHook('onClose', async () => {
      await Promise.all(Object.values(upstreams).map((upstream) => upstream.pool.close()));
    });
  },
  { name: 'gateway-upstreams', dependencies: ['platform-health', 'platform-metrics'] },
);
