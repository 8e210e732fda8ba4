import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry; register the service's own metrics here. */
    metrics: Registry;
  }
}

const UNMEASURED_ROUTES = new Set(['/metrics', '/health', '/ready']);

/**
 * Prometheus metrics at `GET /metrics`, answered on the operational listener only (see buildService): process and runtime metrics, plus RED metrics per route from one
 * histogram (its `_count` gives rate and, by `status_code`, errors; its buckets give duration).
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { service: string }) => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: opts.service });
    collectDefaultMetrics({ register: registry });

    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });

    app.decorate('metrics', registry);
    // Callback-style: an async hook would cost a promise and a microtask on every request.
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (!UNMEASURED_ROUTES.has(route)) {
        duration.observe(
          { method: request.method, route, status_code: reply.statusCode },
          reply.elapsedTime / 1000,
        );
      }
      done();
    });

    app.get(
      '/metrics',
      { schema: { hide: true }, logLevel: 'warn', config: { operational: true } },
      async (_request, reply) => {
        return reply.type(registry.contentType).send(await registry.metrics());
      },
    );
  },
  { name: 'platform-metrics' },
);
