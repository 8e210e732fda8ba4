import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ResponseObserver } from '../logging/request-log.controller.ts';
import { RequestDurationHistogram } from './request-duration.histogram.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry; register the service's own metrics here. */
    metrics: Registry;
  }
}

const UNMEASURED_ROUTES = new Set(['/metrics', '/health', '/ready']);

/**
 * Prometheus metrics at `GET /metrics`, answered on the operational listener only (see buildService):
 * process and runtime metrics, plus RED metrics per route from one histogram (its `_count` gives rate and,
 * by `status_code`, errors; its buckets give duration).
 */
export const metricsPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      service: string;
      /** Where finished responses are reported (buildService's log controller): cheaper than a hook. */
      responses: { observeResponses(observer: ResponseObserver): void };
    },
  ) => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: opts.service });
    collectDefaultMetrics({ register: registry });

    const duration = new RequestDurationHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registry,
    });

    app.decorate('metrics', registry);
    opts.responses.observeResponses((request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (UNMEASURED_ROUTES.has(route)) return;
      duration.record(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
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
