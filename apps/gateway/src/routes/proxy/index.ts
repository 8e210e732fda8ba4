import replyFrom, { type FastifyReplyFromOptions } from '@fastify/reply-from';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { GatewayConfig, UpstreamName } from '../../config.ts';
import { GatewayErrors } from '../../domain/gateway.errors.ts';
import { ROUTE_TABLE, type ProxyRoute } from '../../domain/route-table.ts';
import { forwardTo } from './forward.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every proxied route: who may call it (the docs aggregation reads the same table). */
    access?: ProxyRoute['access'];
  }
}

/**
 * The edge checks of a route, in order: the per-address limit (or the webhooks' own), a stricter limit by
 * address for login and register, then for token routes the access token and the per-user limits. All in
 * onRequest, so a refused request's body is never even read.
 */
function edgeChecks(app: FastifyInstance, route: ProxyRoute): onRequestAsyncHookHandler[] {
  const checks = [app.rateLimitFor(route.limit === 'webhooks' ? 'webhooks' : 'ip')];
  if (route.limit === 'login' || route.limit === 'register') checks.push(app.rateLimitFor(route.limit));
  if (route.access === 'token') {
    checks.push(app.authenticate, app.rateLimitFor('user'));
    if (route.limit === 'checkout') checks.push(app.rateLimitFor('checkout'));
  }
  return checks;
}

/**
 * JSON bodies are checked at the edge and forwarded as the client's own bytes (a webhook's signature covers
 * them exactly); any other media type is refused with 415 by Fastify, as no service takes one.
 */
function jsonBodiesAsSent(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    parse(request, body.toString('utf8'), (error) => {
      if (error) return done(GatewayErrors.malformedJson(undefined, { cause: error }), undefined);
      done(null, body);
    });
  });
}

async function upstreamRoutes(
  app: FastifyInstance,
  { upstream, config }: { upstream: UpstreamName; config: GatewayConfig },
): Promise<void> {
  const target = app.upstreams[upstream];
  // reply-from would build its own pool with TLS verification off; this one verifies and is shared. It is
  // undici 8's Pool, which reply-from takes by its request() (its types name its own undici 7).
  const pool = target.pool as unknown as FastifyReplyFromOptions['undici'];
  await app.register(replyFrom, { base: target.origin, undici: pool, disableRequestLogging: true });
  jsonBodiesAsSent(app);
  for (const route of ROUTE_TABLE.filter((r) => r.upstream === upstream)) {
    const handler = forwardTo(target, {
      timeoutMs: route.slow ? config.UPSTREAM_SLOW_TIMEOUT_MS : config.UPSTREAM_TIMEOUT_MS,
      retries: config.UPSTREAM_RETRIES,
    });
    for (const url of route.urls) {
      app.route({
        method: [...route.methods],
        url,
        bodyLimit: route.bodyLimitBytes,
        config: { access: route.access },
        schema: { hide: true },
        onRequest: edgeChecks(app, route),
        handler,
      });
    }
  }
}

/** Every route of the table, each family in a context of its own with its upstream's reply-from. */
export async function proxyRoutes(
  app: FastifyInstance,
  { config }: { config: GatewayConfig },
): Promise<void> {
  for (const upstream of Object.keys(config.upstreams) as UpstreamName[]) {
    await app.register(upstreamRoutes, { upstream, config });
  }
}
