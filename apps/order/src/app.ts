import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { redisConnectionFrom } from '@shop/cache';
import { redisPlugin } from '@shop/cache/fastify';
import { databaseSettingsFrom } from '@shop/database';
import { buildService, jwtAuthPlugin, remoteJwks, type Service } from '@shop/platform';
import type { OrderConfig } from './config.ts';
import { createCartStore } from './data-access/cart-store.ts';
import { createOrderRepository } from './data-access/order.repository.ts';
import { ProductClient } from './data-access/product.client.ts';
import { createCart } from './domain/cart.ts';
import type { OrderDeps } from './domain/ports.ts';
import { prismaPlugin } from './plugins/prisma.plugin.ts';
import { cartRoutes } from './routes/cart/index.ts';
import { orderRoutes } from './routes/orders/index.ts';

export interface OrderAppOptions extends Record<string, unknown> {
  config: OrderConfig;
}

/** The order service as one plugin. */
export const orderApp = fp(
  async function orderApp(app: FastifyInstance, { config }: OrderAppOptions): Promise<void> {
    await app.register(prismaPlugin, databaseSettingsFrom('ORDER', config));
    const deps: OrderDeps = {
      orders: createOrderRepository(app.prisma),
      newId: randomUUID,
      now: () => new Date(),
    };
    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: remoteJwks(config.AUTH_JWKS_URL),
    });
    await app.register(orderRoutes, { prefix: '/api/v1/orders', deps });

    // Carts: in Redis (in this process without one), priced by the product service.
    await app.register(redisPlugin, { connection: redisConnectionFrom(config) });
    const products = new ProductClient({
      baseUrl: config.PRODUCT_SERVICE_URL,
      internalToken: config.INTERNAL_API_TOKEN,
      timeoutMs: config.PRODUCT_TIMEOUT_MS,
    });
    app.addHook('onClose', () => products.close());
    const cart = createCart({
      store: createCartStore(app.redis, { keyPrefix: config.CART_KEY_PREFIX }),
      catalog: products,
    });
    await app.register(cartRoutes, { prefix: '/api/v1/cart', cart });
  },
  { name: 'order-app' },
);

/** The order service with every platform default, ready to listen or to be tested with inject(). */
export function createOrderService(config: OrderConfig): Promise<Service> {
  return buildService(
    {
      name: 'order',
      description: 'Carts, checkout and the order saga; orders sharded by customer over 16 logical shards',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
    },
    orderApp,
    { config },
  );
}
