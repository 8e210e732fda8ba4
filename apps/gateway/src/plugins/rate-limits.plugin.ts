import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { clientKey } from '@shop/platform';
import type { GatewayConfig } from '../config.ts';
import { GatewayErrors } from '../domain/gateway.errors.ts';
import type { LimitClass } from '../domain/route-table.ts';

/** What a request is counted against: its client address, its user, or one of the stricter classes. */
export type LimitName = 'ip' | 'user' | LimitClass;

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: counts the request against `name` and answers 429 past it. */
    rateLimitFor(name: LimitName): onRequestAsyncHookHandler;
  }
}

// Which limits key by the verified user rather than by the client address.
const BY_USER = new Set<LimitName>(['user', 'checkout']);

const REMAINING = 'ratelimit-remaining';

interface LimitResult {
  max: number;
  remaining: number;
  ttlInSeconds: number;
  isExceeded: boolean;
}

/**
 * The gateway's rate limits on @fastify/rate-limit: counted in Redis when the gateway has one (every
 * replica shares the counters), in this process otherwise. Each limit has its own counters, and a response
 * carries the RateLimit headers (draft-ietf-httpapi-ratelimit-headers) of the tightest one. A failing
 * Redis lets requests through: an outage of the counters must not become an outage of the shop.
 */
export const rateLimitsPlugin = fp(
  async (app: FastifyInstance, { config }: { config: GatewayConfig }) => {
    await app.register(rateLimit, {
      global: false,
      ...(app.redis ? { redis: app.redis } : {}),
      nameSpace: config.RATE_LIMIT_KEY_PREFIX,
    });
    const timeWindow = config.RATE_LIMIT_WINDOW_SECONDS * 1000;
    const max: Record<LimitName, number> = {
      ip: config.RATE_LIMIT_PER_IP,
      user: config.RATE_LIMIT_PER_USER,
      login: config.RATE_LIMIT_LOGIN,
      register: config.RATE_LIMIT_REGISTER,
      checkout: config.RATE_LIMIT_CHECKOUT,
      webhooks: config.RATE_LIMIT_WEBHOOKS,
    };

    const refused = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests answered 429 by the gateway, by the limit they exceeded',
      labelNames: ['limit'] as const,
      registers: [app.metrics],
    });

    const showTightest = (reply: FastifyReply, result: LimitResult) => {
      const shown = Number(reply.getHeader(REMAINING) ?? Number.POSITIVE_INFINITY);
      if (result.remaining >= shown) return;
      reply.header('ratelimit-limit', result.max);
      reply.header(REMAINING, result.remaining);
      reply.header('ratelimit-reset', result.ttlInSeconds);
    };

    app.decorate('rateLimitFor', (name: LimitName): onRequestAsyncHookHandler => {
      const check = app.createRateLimit({
        max: max[name],
        timeWindow,
        // The limits share one key space in the store, so every key names its limit.
        keyGenerator: (request: FastifyRequest) =>
          BY_USER.has(name) && request.caller
            ? `${name}:user:${request.caller.id}`
            : `${name}:ip:${clientKey(request.ip)}`,
      });
      return async function countRequest(request, reply) {
        let result: LimitResult;
        try {
          result = (await check(request)) as LimitResult;
        } catch (err) {
          request.log.warn({ err, limit: name }, 'rate-limit store unavailable; request let through');
          return;
        }
        if (!result.isExceeded) return showTightest(reply, result);
        refused.inc({ limit: name });
        const retryAfter = String(Math.max(1, result.ttlInSeconds));
        throw GatewayErrors.rateLimited(undefined, {
          headers: {
            'retry-after': retryAfter,
            'ratelimit-limit': String(result.max),
            [REMAINING]: '0',
            'ratelimit-reset': retryAfter,
          },
          extensions: { limit: name },
        });
      };
    });
  },
  { name: 'gateway-rate-limits', dependencies: ['redis', 'platform-metrics'] },
);
