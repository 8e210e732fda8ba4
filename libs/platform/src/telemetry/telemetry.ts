import { register } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
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

export type TracesExporter = 'otlp' | 'jaeger' | 'console' | 'none';
const EXPORTERS: readonly TracesExporter[] = ['otlp', 'jaeger', 'console', 'none'];
const RATIO = /^(\d+\.?\d*|\.\d+)$/;

export interface Telemetry {
  /**
   * Flushes pending spans and stops the SDK; call last during shutdown. Gives up after the flush bound
   * (spans are lost) rather than holding the exit while the collector cannot be reached.
   */
  shutdown(): Promise<void>;
}

export interface TelemetrySettings {
  exporter: TracesExporter;
  sampleRatio: number;
}

/** Reads the standard OTEL_* variables this project supports; malformed values are refused, not ignored. */
export function telemetrySettings(env: Record<string, string | undefined> = process.env): TelemetrySettings {
  // As in loadConfig, an empty variable counts as unset (Number('') would silently sample nothing).
  const exporter = (env['OTEL_TRACES_EXPORTER'] || 'otlp') as TracesExporter;
  if (!EXPORTERS.includes(exporter)) {
    throw new Error(`OTEL_TRACES_EXPORTER=${exporter} is not supported: use one of ${EXPORTERS.join(', ')}.`);
  }
  const ratioText = env['OTEL_TRACES_SAMPLER_ARG'] || '1';
  const sampleRatio = RATIO.test(ratioText) ? Number(ratioText) : Number.NaN;
  if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
    throw new Error(
      `OTEL_TRACES_SAMPLER_ARG=${ratioText} must be a ratio between 0 and 1, e.g. 0.1 to keep 10% of traces.`,
    );
  }
  return { exporter, sampleRatio };
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

/**
 * Starts OpenTelemetry before the service's modules load, so that http, Fastify, pg/Prisma and ioredis
 * are instrumented. Call it first in `main.ts`, then import the app dynamically.
 *
 * kafkajs is traced by `@shop/events` itself rather than by its auto-instrumentation: an outbox relay
 * publishes long after the request, so the parent must be the context stored with the event, which the
 * auto-instrumentation would overwrite with the relay's own.
 */
export async function startTelemetry(opts: {
  serviceName: string;
  settings?: TelemetrySettings;
  spanProcessors?: SpanProcessor[];
  /** How long `shutdown()` waits for pending spans to be exported (default 2 s). */
  flushTimeoutMs?: number;
}): Promise<Telemetry> {
  const settings = opts.settings ?? telemetrySettings();
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const exporter = exporterFor(settings.exporter);
  const spanProcessors = [
    ...(opts.spanProcessors ?? []),
    ...(exporter ? [new BatchSpanProcessor(exporter)] : []),
  ];
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors,
    // Metrics are scraped from /metrics (prom-client) and logs go to stdout (pino): OTLP metrics and logs
    // are pushed only when asked for. The SDK's own default pushes both to a collector that Jaeger is not.
    ...(process.env['OTEL_METRICS_EXPORTER'] ? {} : { metricReaders: [] }),
    ...(process.env['OTEL_LOGS_EXPORTER'] ? {} : { logRecordProcessors: [] }),
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-http': { enabled: true },
        '@opentelemetry/instrumentation-pg': { enabled: true },
        '@opentelemetry/instrumentation-ioredis': { enabled: true },
        '@opentelemetry/instrumentation-undici': { enabled: false },
        '@opentelemetry/instrumentation-kafkajs': { enabled: false },
        '@opentelemetry/instrumentation-pino': { enabled: false },
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-runtime-node': { enabled: false },
      }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      new PrismaInstrumentation(),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  const flushTimeoutMs = opts.flushTimeoutMs ?? 2_000;
  return {
    shutdown: () => Promise.race([sdk.shutdown(), sleep(flushTimeoutMs, undefined, { ref: false })]),
  };
}
