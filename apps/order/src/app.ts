import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { redisConnectionFrom } from '@shop/cache';
import { redisPlugin } from '@shop/cache/fastify';
import { kafkaConnectionFrom } from '@shop/events';
import { eventsPlugin } from '@shop/events/fastify';
import { idempotencyPlugin } from '@shop/idempotency';
import {
  buildService,
  jwtAuthPlugin,
  remoteJwks,
  serviceCredentialsFrom,
  ServiceTokenSource,
  type Service,
} from '@shop/platform';
import type { OrderConfig } from './config.ts';
import { sagaConsumers } from './consumers/saga.consumers.ts';
import { createCartStore } from './data-access/cart-store.ts';
import { createOrderShards } from './data-access/order-shards.ts';
import { ProductClient } from './data-access/product.client.ts';
import { createCart } from './domain/cart.ts';
import type { OrderDeps } from './domain/ports.ts';
import { orderExpiryPlugin } from './plugins/order-expiry.plugin.ts';
import { shardsPlugin, shardServersFrom } from './plugins/shards.plugin.ts';
import { adminOrderRoutes } from './routes/admin-orders/index.ts';
import { cartRoutes } from './routes/cart/index.ts';
import { internalOrderRoutes } from './routes/internal-orders/index.ts';
import { orderRoutes } from './routes/orders/index.ts';

export interface OrderAppOptions extends Record<string, unknown> {
  config: OrderConfig;
  /** The clock of every use case (default: the system clock); tests pass a TestClock's. */
  now?: () => Date;
}

/** The order service as one plugin: carts, checkout, the saga, over the shards. */
export const orderApp = fp(
  async function orderApp(app: FastifyInstance, { config, now }: OrderAppOptions): Promise<void> {
    const servers = shardServersFrom(config);
    await app.register(eventsPlugin, {
      service: 'order',
      kafka: kafkaConnectionFrom(config),
      busDatabaseUrl: config.EVENT_BUS_DATABASE_URL ?? config.ORDER_DATABASE_URL,
      // The shards' outboxes are relayed by the shards plugin, which follows them when a shard moves.
      relay: [],
    });
    await app.register(shardsPlugin, { config, servers, relay: config.OUTBOX_RELAY_ENABLED });

    // Carts: in Redis (in this process without one), priced by the product service.
    await app.register(redisPlugin, { connection: redisConnectionFrom(config) });
    // One token source for every service this one calls; each client asks it for its callee's tokens.
    const serviceTokens = new ServiceTokenSource(serviceCredentialsFrom(config));
    const products = new ProductClient({
      baseUrl: config.PRODUCT_SERVICE_URL,
      serviceToken: serviceTokens.forAudience('product'),
      timeoutMs: config.PRODUCT_TIMEOUT_MS,
      registry: app.metrics,
    });
    app.addHook('onClose', async () => {
      await products.close();
      await serviceTokens.close();
    });
    const cart = createCart({
      store: createCartStore(app.redis, { keyPrefix: config.CART_KEY_PREFIX }),
      catalog: products,
    });

    const shards = createOrderShards(app.shardedDatabase, {
      scatterConcurrency: 4,
      onEffectError: (err) => app.log.error({ err }, 'an after-commit effect of an order transaction failed'),
    });
    const deps: OrderDeps = {
      shards,
      catalog: products,
      reservations: products,
      cart,
      reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
      now: now ?? (() => new Date()),
      warn: (err, message) => app.log.warn({ err }, message),
    };

    await app.register(sagaConsumers, { deps });
    await app.register(orderExpiryPlugin, {
      deps,
      intervalMs: config.ORDER_EXPIRY_SWEEP_INTERVAL_MS,
      batchSize: 100,
    });
    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: remoteJwks(config.AUTH_JWKS_URL, { maxStaleMs: config.AUTH_JWKS_MAX_STALE_SECONDS * 1000 }),
      serviceAudience: 'order',
    });
    // Keys live on the caller's shard, beside the orders they guard, so both commit together.
    await app.register(idempotencyPlugin, {
      store: (request) => shards.store(shards.shardOf(request.caller!.id)),
      scope: (request) => request.caller!.id,
      ttlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
      // Longer than the slowest checkout that can still succeed (the product calls with their retries, a
      // pooled connection's wait), shorter than the 60 s default: a key whose release a frozen shard
      // refused is taken over by its retry after this.
      lockTimeoutMs: 30_000,
      stores: () => shards.all().map((shard) => shards.store(shard)),
    });
    await app.register(orderRoutes, { prefix: '/api/v1/orders', deps });
    await app.register(cartRoutes, { prefix: '/api/v1/cart', cart });
    await app.register(adminOrderRoutes, { prefix: '/api/v1/admin/orders', deps });
    await app.register(internalOrderRoutes, { prefix: '/internal/v1/orders', deps });
  },
  { name: 'order-app' },
);

/** The order service with every platform default, ready to listen or to be tested with inject(). */
export function createOrderService(
  config: OrderConfig,
  overrides: { now?: () => Date } = {},
): Promise<Service> {
  return buildService(
    {
      name: 'order',
      description: 'Carts, checkout and the order saga; orders sharded by customer over 16 logical shards',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      trustProxy: config.TRUST_PROXY,
    },
    orderApp,
    { config, ...overrides },
  );
}
