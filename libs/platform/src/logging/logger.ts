import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';

const SECRET_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'apiKey',
  'secret',
  'clientSecret',
  'authorization',
  'cookie',
  'cardNumber',
  'pan',
  'cvc',
  'cvv',
];
const SECRET_PATHS = [...SECRET_KEYS, 'card.number', 'headers["set-cookie"]', 'headers["x-api-key"]'];

/**
 * Paths whose values never reach a log line: credentials, tokens and card data, at the top level and
 * up to two objects deep (e.g. `body.password`, `req.headers.authorization`, `body.payment.card.number`).
 */
export const redactedPaths = SECRET_PATHS.flatMap((path) => [path, `*.${path}`, `*.*.${path}`]);

/**
 * Pino options shared by every service: JSON in production, readable in development, secrets redacted,
 * and the active trace and span ids on every line so logs join traces.
 */
export function loggerOptions(opts: { service: string; level: string; pretty: boolean }): LoggerOptions {
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
