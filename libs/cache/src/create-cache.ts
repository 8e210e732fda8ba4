import { Cache, type CacheOptions } from './cache.ts';
import { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-cache.store.ts';
import { RedisCacheStore, type RedisCacheStoreOptions } from './redis-cache.store.ts';
import { createRedisClients, type RedisClientOptions, type RedisConnection } from './redis-client.ts';

/** Options of {@link createCache}: the facade's options plus where to store. */
export interface CreateCacheOptions extends Omit<CacheOptions, 'store'> {
  /** A Redis URL or Redis Cluster nodes; absent means an in-process store (embedded `npm start`). */
  redis?: RedisConnection;
  /** Prefix of every Redis key and of the invalidation channel. Default `cache:<name>:`. */
  keyPrefix?: string;
  redisClient?: RedisClientOptions;
  breaker?: RedisCacheStoreOptions['breaker'];
  memory?: MemoryCacheStoreOptions;
}

/**
 * Builds a cache for a service: Redis (single node or cluster) with an L1 when `redis` is set, an
 * in-process store otherwise. Waits briefly for Redis; if it is not there the cache starts anyway
 * and serves from the loader until Redis answers.
 */
export async function createCache(options: CreateCacheOptions): Promise<Cache> {
  const { redis, keyPrefix, redisClient, breaker, memory, ...cacheOptions } = options;
  if (redis === undefined) {
    // An L1 in front of an in-process store would only hold the same objects twice.
    return Cache.open({ ...cacheOptions, store: new MemoryCacheStore(memory), l1: false });
  }
  const store = new RedisCacheStore({
    ...createRedisClients(redis, redisClient),
    keyPrefix: keyPrefix ?? `cache:${options.name}:`,
    ...(breaker === undefined ? {} : { breaker }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  if (!(await store.ready(redisClient?.connectTimeoutMs ?? 2_000))) {
    options.logger?.warn(
      { cache: options.name },
      'Redis is not reachable yet; the cache starts degraded (reads use the loader) and connects in the background',
    );
  }
  return Cache.open({ ...cacheOptions, store });
}
