import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { redisConnectionFrom } from '@shop/cache';
import { redisPlugin } from '@shop/cache/fastify';
import { buildService, jwtAuthPlugin, remoteJwks, type Service } from '@shop/platform';
import type { GatewayConfig } from './config.ts';
import { edgeProtectionPlugin } from './plugins/edge-protection.plugin.ts';
import { rateLimitsPlugin } from './plugins/rate-limits.plugin.ts';
import { upstreamsPlugin } from './plugins/upstreams.plugin.ts';
import { docsRoutes } from './routes/docs/index.ts';
import { proxyRoutes } from './routes/proxy/index.ts';

export interface GatewayAppOptions extends Record<string, unknown> {
  config: GatewayConfig;
}

/** The gateway as one plugin: edge protection, rate limits, edge authentication, the routes to each service. */
export const gatewayApp = fp(
  async function gatewayApp(app: FastifyInstance, { config }: GatewayAppOptions): Promise<void> {
    await app.register(edgeProtectionPlugin, { config });
    // Counters answer within 100 ms or the request goes through uncounted (see rateLimitsPlugin).
    await app.register(redisPlugin, { connection: redisConnectionFrom(config), commandTimeoutMs: 100 });
    await app.register(rateLimitsPlugin, { config });
    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: remoteJwks(config.AUTH_JWKS_URL, { maxStaleMs: config.AUTH_JWKS_MAX_STALE_SECONDS * 1000 }),
    });
    await app.register(upstreamsPlugin, { config });
    await app.register(proxyRoutes, { config });
    await app.register(docsRoutes, { config });
  },
  { name: 'gateway-app' },
);

/** The gateway with every platform default, ready to listen or to be tested with inject(). */
export function createGatewayService(config: GatewayConfig): Promise<Service> {
  return buildService(
    {
      name: 'gateway',
      description: 'The only public entry: routing, edge authentication, rate limits, breakers',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      trustProxy: config.TRUST_PROXY,
    },
    gatewayApp,
    { config },
  );
}
