import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { buildService, jwtAuthPlugin, remoteJwks, type Service } from '@shop/platform';
import { redisConnectionFrom } from '@shop/cache';
import { databaseSettingsFrom } from '@shop/database';
import { kafkaConnectionFrom } from '@shop/events';
import { eventsPlugin } from '@shop/events/fastify';
import type { ProductConfig } from './config.ts';
import { orderOutcomesConsumer } from './consumers/order-outcomes.consumer.ts';
import { createProductReader } from './data-access/product.repository.ts';
import { createInventoryReader } from './data-access/reservation.repository.ts';
import { createProductTransactions } from './data-access/unit-of-work.ts';
import type { ProductDeps } from './domain/ports.ts';
import { cachePlugin } from './plugins/cache.plugin.ts';
import { prismaPlugin } from './plugins/prisma.plugin.ts';
import { reservationSweeperPlugin } from './plugins/reservation-sweeper.plugin.ts';
import { adminProductRoutes } from './routes/admin-products/index.ts';
import { categoryRoutes } from './routes/categories/index.ts';
import { internalProductRoutes } from './routes/internal-products/index.ts';
import { inventoryRoutes } from './routes/inventory/index.ts';
import { productRoutes } from './routes/products/index.ts';

export interface ProductAppOptions extends Record<string, unknown> {
  config: ProductConfig;
  /** The clock of every use case (default: the system clock); tests pass a TestClock's. */
  now?: () => Date;
}

/** The product service as one plugin: catalog, search, inventory and reservations, cache and events. */
export const productApp = fp(
  async function productApp(app: FastifyInstance, { config, now }: ProductAppOptions): Promise<void> {
    await app.register(prismaPlugin, databaseSettingsFrom('PRODUCT', config));
    await app.register(cachePlugin, {
      enabled: config.CACHE_ENABLED,
      keyPrefix: config.CACHE_KEY_PREFIX,
      redisTimeoutMs: config.CACHE_REDIS_TIMEOUT_MS,
      l1TtlMs: config.CACHE_L1_TTL_MS,
      l1MaxBytes: config.CACHE_L1_MAX_BYTES,
      redis: redisConnectionFrom(config),
      productTtlMs: config.PRODUCT_CACHE_TTL_MS,
      listTtlMs: config.LIST_CACHE_TTL_MS,
      negativeTtlMs: config.NEGATIVE_CACHE_TTL_MS,
    });
    await app.register(eventsPlugin, {
      service: 'product',
      kafka: kafkaConnectionFrom(config),
      busDatabaseUrl: config.EVENT_BUS_DATABASE_URL ?? config.PRODUCT_DATABASE_URL,
      relay: config.OUTBOX_RELAY_ENABLED ? [{ connectionString: config.PRODUCT_DATABASE_URL }] : [],
    });

    const transactions = createProductTransactions(app.prisma, {
      publish: app.events.publisher,
      onEffectError: (err) =>
        app.log.error(
          { err },
          'an after-commit effect failed; the cache may serve the old value until its TTL',
        ),
    });
    const deps: ProductDeps = {
      products: createProductReader(app.prisma),
      inventory: createInventoryReader(app.prisma),
      transactions,
      cache: app.productCache,
      reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
      newId: randomUUID,
      now: now ?? (() => new Date()),
    };

    await app.register(orderOutcomesConsumer, { deps, transactions });
    await app.register(reservationSweeperPlugin, { deps, intervalMs: config.RESERVATION_SWEEP_INTERVAL_MS });
    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: remoteJwks(config.AUTH_JWKS_URL, { maxStaleMs: config.AUTH_JWKS_MAX_STALE_SECONDS * 1000 }),
      serviceAudience: 'product',
    });
    await app.register(productRoutes, { prefix: '/api/v1/products', deps });
    await app.register(categoryRoutes, { prefix: '/api/v1/categories', deps });
    await app.register(adminProductRoutes, { prefix: '/api/v1/admin/products', deps });
    await app.register(inventoryRoutes, { prefix: '/internal/v1/inventory', deps });
    await app.register(internalProductRoutes, { prefix: '/internal/v1/products', deps });
  },
  { name: 'product-app' },
);

/** The product service with every platform default, ready to listen or to be tested with inject(). */
export function createProductService(
  config: ProductConfig,
  overrides: { now?: () => Date } = {},
): Promise<Service> {
  return buildService(
    {
      name: 'product',
      description:
        'Catalog (browse, search, admin CRUD), inventory and stock reservations; reads served from a cache',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      trustProxy: config.TRUST_PROXY,
    },
    productApp,
    { config, ...overrides },
  );
}
