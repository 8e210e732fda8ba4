import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis | undefined;
  }
}

/** Redis for login-throttle counters shared by all replicas; absent in the embedded single-process start. */
export const redisPlugin = fp(
  async (app: FastifyInstance, opts: { url: string | undefined }) => {
    if (!opts.url) {
      app.decorate('redis', undefined);
      return;
    }
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    redis.on('error', (err) => app.log.warn({ err }, 'redis connection error'));
    await redis.connect();
    app.decorate('redis', redis);
    app.readiness.addCheck('redis', () => redis.ping());
    app.addHook('onClose', async () => {
      await redis.quit();
    });
  },
  { name: 'redis', dependencies: ['platform-health'] },
);
