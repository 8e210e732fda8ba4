import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation } from '@opentelemetry/api';
import { BrokenCircuitError } from 'cockatiel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayErrors } from '../../domain/gateway.errors.ts';
import type { Upstream } from '../../plugins/upstreams.plugin.ts';

/**
 * Headers a client could send to pose as someone (a user, a service, another client address) to a service
 * that trusts its network. Services must never believe them from outside, so they never arrive from here:
 * identity comes only from the verified Authorization header, the client address only from the gateway.
 */
const STRIPPED_HEADERS = new Set([
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'x-cluster-client-ip',
  'x-original-forwarded-for',
  'remote-user',
  'x-remote-user',
  'x-user',
  'x-roles',
  'x-scopes',
  'x-consumer-id',
  'x-consumer-username',
  'x-consumer-groups',
  'x-authenticated-userid',
  'x-authenticated-user',
  'x-authenticated-scope',
  'x-original-url',
  'x-rewrite-url',
  'x-http-method-override',
]);
const STRIPPED_PREFIXES = [
  'x-forwarded-',
  'x-user-',
  'x-auth-',
  'x-caller-',
  'x-internal-',
  'x-service-',
  'x-jwt-',
  'x-identity-',
  'x-shop-',
];

export function isStrippedHeader(name: string): boolean {
  return STRIPPED_HEADERS.has(name) || STRIPPED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

type ForwardingRequest = Pick<FastifyRequest, 'ip' | 'protocol' | 'host' | 'id'>;

export function forwardedHeaders(
  request: ForwardingRequest,
  headers: IncomingHttpHeaders,
): IncomingHttpHeaders {
  const forwarded: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (!isStrippedHeader(name)) forwarded[name] = headers[name];
  }
  // request.ip already is the client as TRUST_PROXY resolves it; the services trust the gateway for it.
  forwarded['x-forwarded-for'] = request.ip;
  forwarded['x-forwarded-proto'] = request.protocol;
  forwarded['x-forwarded-host'] = request.host;
  forwarded['x-request-id'] = String(request.id);
  // The service's spans are children of the gateway's request span, not its siblings under the client's
  // span (the client's traceparent, forwarded as it came, named the client's). Untraced: nothing changes.
  propagation.inject(context.active(), forwarded);
  return forwarded;
}

// Hop-by-hop headers describe the gateway's connection to the service, not the client's (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

// CORS is the gateway's to answer; a service's own would contradict it.
function answeredHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || name.startsWith('access-control-')) delete headers[name];
  }
  return headers;
}

// An answer of known, small size is read whole and sent in one write with its Content-Length; streaming it
// costs a chunked response of several writes for what is, for almost every API answer, a few KiB.
const BUFFERED_ANSWER_BYTES = 256 * 1024;
const bufferable = (contentLength: unknown) => {
  const length = Number(contentLength);
  return Number.isInteger(length) && length <= BUFFERED_ANSWER_BYTES;
};

const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const causeCode = (error: unknown): string | undefined => {
  let current = error as { code?: string; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth += 1) {
    if (current.code && CONNECTION_FAILURES.has(current.code)) return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
};

/** The upstream answered 5xx: passed to the client as it is, and counted by the breaker as a failure. */
class AnsweredWithServerError extends Error {}

export interface ForwardOptions {
  /** Time for the upstream's response headers (and between body chunks). */
  timeoutMs: number;
  /** Extra attempts of a GET or HEAD whose connection failed before any answer. */
  retries: number;
}

/**
 * Proxies the request to `upstream` through its circuit breaker: no answer, a timeout or a 5xx counts as a
 * failure, and while the breaker is open the route answers 503 at once. The request body is sent as the
 * bytes the client sent (webhook signatures cover them); only a GET or HEAD whose connection failed is
 * retried, since nothing reached the service and reading twice changes nothing.
 */
export function forwardTo(upstream: Upstream, options: ForwardOptions) {
  const retryAfterSeconds = String(Math.max(1, Math.ceil(upstream.halfOpenAfterMs / 1000)));

  const send = (request: FastifyRequest, reply: FastifyReply) =>
    new Promise<void>((resolve, reject) => {
      // A client that goes away before the answer settles the attempt too (reply-from then calls neither).
      reply.raw.once('close', () => resolve());
      const body = Buffer.isBuffer(request.body)
        ? { body: request.body, contentType: String(request.headers['content-type']) }
        : {};
      reply.from(undefined, {
        ...body,
        timeout: options.timeoutMs,
        rewriteRequestHeaders: forwardedHeaders,
        rewriteHeaders: answeredHeaders,
        retryDelay: ({ err, req, attempt }) =>
          (req.method === 'GET' || req.method === 'HEAD') && attempt < options.retries && causeCode(err)
            ? 25 * 2 ** attempt
            : null,
        onResponse: (_request, forwardedReply, response) => {
          const settle = () =>
            response.statusCode >= 500 ? reject(new AnsweredWithServerError()) : resolve();
          const stream = response.stream as NodeJS.ReadableStream & {
            arrayBuffer?: () => Promise<ArrayBuffer>;
          };
          if (
            !bufferable(forwardedReply.getHeader('content-length')) ||
            typeof stream.arrayBuffer !== 'function'
          ) {
            forwardedReply.send(stream);
            return settle();
          }
          stream.arrayBuffer().then(
            (body) => {
              forwardedReply.send(Buffer.from(body));
              settle();
            },
            (error: unknown) => {
              // The problem the gateway answers instead is of another length and type.
              forwardedReply.removeHeader('content-length');
              reject(error);
            },
          );
        },
        onError: (_reply, { error }) => reject(error),
      });
    });

  return async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    try {
      await upstream.breaker.execute(() => send(request, reply));
    } catch (error) {
      if (error instanceof AnsweredWithServerError) return reply;
      if (error instanceof BrokenCircuitError) {
        throw GatewayErrors.circuitOpen(undefined, {
          headers: { 'retry-after': retryAfterSeconds },
          extensions: { upstream: upstream.name },
        });
      }
      const code = (error as { code?: string }).code;
      if (code === 'FST_REPLY_FROM_GATEWAY_TIMEOUT' || code === 'FST_REPLY_FROM_TIMEOUT') {
        throw GatewayErrors.upstreamTimeout(undefined, {
          cause: error,
          extensions: { upstream: upstream.name },
        });
      }
      request.log.warn({ err: error, upstream: upstream.name }, 'upstream unreachable');
      throw GatewayErrors.upstreamUnavailable(undefined, {
        cause: error,
        headers: { 'retry-after': '1' },
        extensions: { upstream: upstream.name },
      });
    }
    return reply;
  };
}
