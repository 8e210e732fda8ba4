import { register } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import type { Telemetry, TelemetrySettings, TracesExporter } from './telemetry.ts';

// Probes and scrapes arrive every few seconds from every replica: traced, they would bury real traffic.
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

function isUntraced(url: string | undefined): boolean {
  if (url === undefined) return false;
  const query = url.indexOf('?');
  return UNTRACED_PATHS.has(query === -1 ? url : url.slice(0, query));
}

function exporterFor(kind: TracesExporter): SpanExporter | undefined {
  switch (kind) {
    case 'otlp':
      // Endpoint from OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT; Jaeger accepts OTLP on 4318.
      return new OTLPTraceExporter();
    case 'jaeger':
      // Endpoint from OTEL_EXPORTER_JAEGER_ENDPOINT, else the agent on OTEL_EXPORTER_JAEGER_AGENT_HOST.
      return new JaegerExporter();
    case 'console':
      return new ConsoleSpanExporter();
    case 'none':
      return undefined;
  }
}

/** Starts the OpenTelemetry Node SDK with this project's instrumentations; see `startTelemetry`. */
export async function startTracingSdk(opts: {
  serviceName: string;
  settings: TelemetrySettings;
  spanProcessors: SpanProcessor[];
  flushTimeoutMs: number;
}): Promise<Telemetry> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const exporter = exporterFor(opts.settings.exporter);
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(opts.settings.sampleRatio) }),
    spanProcessors: [...opts.spanProcessors, ...(exporter ? [new BatchSpanProcessor(exporter)] : [])],
    // Metrics are scraped from /metrics (prom-client) and logs go to stdout (pino): OTLP metrics and logs
    // are pushed only when asked for. The SDK's own default pushes both to a collector that Jaeger is not.
    ...(process.env['OTEL_METRICS_EXPORTER'] ? {} : { metricReaders: [] }),
    ...(process.env['OTEL_LOGS_EXPORTER'] ? {} : { logRecordProcessors: [] }),
    // Each instrumentation named, rather than the auto-instrumentations bundle: it hooks ~40 modules at
    // start-up, and its http server instrumentation is the costliest part of an unsampled request. Fastify's
    // own instrumentation makes the one server span per request instead (below); http still traces outgoing
    // node:http calls, and undici's calls carry the context our service client and the gateway inject.
    instrumentations: [
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // The request's server span, named by method and route, as http's own would be: it continues the
        // caller's trace from the traceparent header, and database and cache spans nest under it. A span per
        // hook (request id, metrics, context) and one for the handler made each trace three times as long
        // and each cost a few microseconds, for durations the request span already shows.
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: ({ url }) => isUntraced(url),
        requestHook: (span, request) => {
          const route = request.routeOptions.url;
          span.updateName(route === undefined ? request.method : `${request.method} ${route}`);
        },
      }),
      new PrismaInstrumentation(),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  return {
    shutdown: () => Promise.race([sdk.shutdown(), sleep(opts.flushTimeoutMs, undefined, { ref: false })]),
  };
}
