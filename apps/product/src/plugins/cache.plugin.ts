import { createCache, type RedisConnection } from '@shop/cache';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createProductCache, uncachedProducts, type ProductCacheTtls } from '../data-access/product-cache.ts';
import type { ProductCache } from '../domain/ports.ts';

declare module 'fastify' {
  interface FastifyInstance {
    productCache: ProductCache;
  }
}

export interface CachePluginOptions extends ProductCacheTtls {
  enabled: boolean;
  keyPrefix: string;
  redisTimeoutMs: number;
  l1TtlMs: number;
  l1MaxBytes: number;
  /** `redisConnectionFrom(config)`; undefined: an in-process store. */
  redis: RedisConnection | undefined;
}

/**
 * Redis (one node or a cluster) with an in-process L1, or an in-process store without Redis. Redis is
 * deliberately not a readiness check: when it is down, reads fall through to PostgreSQL and the
 * service keeps serving.
 */
export const cachePlugin = fp(
  async (app: FastifyInstance, opts: CachePluginOptions) => {
    if (!opts.enabled) {
      app.log.warn('CACHE_ENABLED=false: every catalog read goes to PostgreSQL');
      app.decorate('productCache', uncachedProducts);
      return;
    }
    const redis = opts.redis;
    const common = {
      registry: app.metrics,
      logger: app.log,
      negativeTtl: opts.negativeTtlMs,
      redisClient: { commandTimeoutMs: opts.redisTimeoutMs },
      l1: { ttl: opts.l1TtlMs, maxBytes: opts.l1MaxBytes },
      memory: { maxBytes: opts.l1MaxBytes },
      ...(redis ? { redis } : {}),
    };
    const products = await createCache({
      name: 'product',
      keyPrefix: `${opts.keyPrefix}product:`,
      defaultTtl: opts.productTtlMs,
      ...common,
    });
    const lists = await createCache({
      name: 'product-list',
      keyPrefix: `${opts.keyPrefix}product-list:`,
      defaultTtl: opts.listTtlMs,
      ...common,
    });
    app.decorate('productCache', createProductCache({ products, lists }, opts));
    app.addHook('onClose', async () => {
      await Promise.all([products.close(), lists.close()]);
    });
  },
  { name: 'product-cache', dependencies: ['platform-metrics'] },
);
