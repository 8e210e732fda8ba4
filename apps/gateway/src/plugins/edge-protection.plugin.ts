import cors from '@fastify/cors';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { GatewayConfig } from '../config.ts';
import { GatewayErrors } from '../domain/gateway.errors.ts';

// Probes must keep answering under load: a shed liveness probe would restart a gateway that is only busy.
const NEVER_SHED = new Set(['/health', '/ready']);
const SHED_RETRY_AFTER_SECONDS = 5;

/**
 * What protects the edge before routing: security headers (helmet), CORS for the storefront's origins only,
 * and load shedding (503 + Retry-After while the event loop lags), so an overload degrades instead of
 * queueing requests until everything times out.
 */
export const edgeProtectionPlugin = fp(
  async (app: FastifyInstance, { config }: { config: GatewayConfig }) => {
    // helmet's middleware built once, at start-up. @fastify/helmet builds it again for every request (every
    // option parsed, the policy string joined): about 4% of the gateway's CPU per proxied request.
    const securityHeaders = helmet({
      // An API answers JSON; the one page (/docs) loads only its own scripts and styles.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          frameAncestors: ["'none'"],
        },
      },
    });
    app.addHook('onRequest', (request, reply, done) => {
      securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
    });
    await app.register(cors, {
      origin: config.webOrigins,
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
      exposedHeaders: [
        'x-request-id',
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
        'location',
      ],
      maxAge: 600,
    });
    if (config.LOAD_SHED_EVENT_LOOP_DELAY_MS > 0) {
      await app.register(underPressure, {
        maxEventLoopDelay: config.LOAD_SHED_EVENT_LOOP_DELAY_MS,
        retryAfter: SHED_RETRY_AFTER_SECONDS,
        pressureHandler: (request: FastifyRequest) => {
          if (NEVER_SHED.has(request.url)) return undefined;
          return Promise.reject(
            GatewayErrors.overloaded(undefined, {
              headers: { 'retry-after': String(SHED_RETRY_AFTER_SECONDS) },
            }),
          );
        },
      });
    }
  },
  { name: 'gateway-edge-protection' },
);
