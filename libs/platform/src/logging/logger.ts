import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';
import { redactSecrets } from './redact-secrets.ts';
import { serializeError } from './serialize-error.ts';

/**
 * Pino options shared by every service: JSON in production, readable in development, secrets redacted,
 * and the active trace and span ids on every line so logs join traces.
 */
export function loggerOptions(opts: { service: string; level: string; pretty: boolean }): LoggerOptions {
  return {
    level: opts.level,
    base: { service: opts.service },
    // Redacted per written line, not with pino's `redact` paths: a leading-wildcard path would run the
    // redactor over the bindings of every child logger, and Fastify makes one per request (~15 us each).
    formatters: { log: redactSecrets },
    serializers: { err: serializeError },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      if (!context || !isSpanContextValid(context)) return {};
      return { trace_id: context.traceId, span_id: context.spanId };
    },
    ...(opts.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true },
          },
        }
      : {}),
  };
}
