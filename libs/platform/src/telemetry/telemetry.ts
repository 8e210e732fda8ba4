import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

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

/**
 * Starts OpenTelemetry before the service's modules load, so that http, Fastify, pg/Prisma and ioredis
 * are instrumented. Call it first in `main.ts`, then import the app dynamically.
 *
 * With `OTEL_TRACES_EXPORTER=none` (and no `spanProcessors`) nothing is started or instrumented: the
 * `@opentelemetry/api` stays a no-op, so log lines carry no trace ids and no trace context is forwarded.
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
  const spanProcessors = opts.spanProcessors ?? [];
  // Instrumentation costs ~40 us a request even when every span is then dropped, so with nowhere for
  // spans to go none is installed; the SDK modules are not even loaded.
  if (settings.exporter === 'none' && spanProcessors.length === 0) {
    return { shutdown: async () => {} };
  }
  const { startTracingSdk } = await import('./tracing-sdk.ts');
  return startTracingSdk({
    serviceName: opts.serviceName,
    settings,
    spanProcessors,
    flushTimeoutMs: opts.flushTimeoutMs ?? 2_000,
  });
}
