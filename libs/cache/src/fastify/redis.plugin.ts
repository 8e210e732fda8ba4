import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Cluster, Redis } from 'ioredis';
// The platform kit declares `app.readiness`; this plugin registers its check there.
import type {} from '@shop/platform';
import { createRedisClient, type RedisConnection } from '../redis-client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Redis (one node or a cluster); undefined in the embedded single-process start. */
    redis: Redis | Cluster | undefined;
  }
}

export interface RedisPluginOptions {
  /** `redisConnectionFrom(config)`; undefined: no Redis, and the service uses its in-process stand-ins. */
  connection: RedisConnection | undefined;
  /** A command without a reply after this long fails (default 500 ms). */
  commandTimeoutMs?: number;
  /** How long start-up waits for Redis before going on without it (default 2 s). */
  connectTimeoutMs?: number;
}

/**
 * A service's Redis client as `app.redis`, single node or Cluster alike, in `/ready`, closed on shutdown.
 * A Redis that is down at start-up shows in readiness instead of failing the start; the client keeps
 * reconnecting, and commands fail fast meanwhile.
 */
export const redisPlugin = fp(
  async (app: FastifyInstance, opts: RedisPluginOptions) => {
    if (opts.connection === undefined) {
      app.decorate('redis', undefined);
      return;
    }
    const connectTimeoutMs = opts.connectTimeoutMs ?? 2_000;
    const redis = createRedisClient(opts.connection, {
      commandTimeoutMs: opts.commandTimeoutMs ?? 500,
      connectTimeoutMs,
    });
    redis.on('error', (err) => app.log.warn({ err }, 'redis connection error'));
    app.decorate<Redis | Cluster | undefined>('redis', redis);
    app.readiness.addCheck('redis', () => redis.ping());
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), connectTimeoutMs);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready)
      app.log.warn('Redis is not reachable yet; starting without it and reconnecting in the background');
  },
  { name: 'redis', dependencies: ['platform-health'] },
);
