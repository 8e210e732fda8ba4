import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';

/** Paths whose values never reach a log line: credentials, tokens and card data. */
export const redactedPaths = [
  'password',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'cardNumber',
  'cvc',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.cardNumber',
  '*.cvc',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/**
 * Pino options shared by every service: JSON in production, readable in development, secrets redacted,
 * and the active trace and span ids on every line so logs join traces.
 */
export function loggerOptions(opts: {
  service: string;
  level: string;
  pretty: boolean;
}): LoggerOptions {
  return {
    level: opts.level,
    base: { service: opts.service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
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
