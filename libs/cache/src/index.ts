export { Cache, type CacheOptions, type Loader, type ReadOptions } from './cache.ts';
export { createCache, type CreateCacheOptions } from './create-cache.ts';
export {
  CacheUnavailableError,
  LEASE_BUSY,
  LEASE_GRANTED,
  NEGATIVE,
  type CacheStore,
  type InvalidationListener,
} from './cache-store.ts';
export type { CacheLogger } from './cache-logger.ts';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-cache.store.ts';
export { RedisCacheStore, type RedisCacheStoreOptions } from './redis-cache.store.ts';
export { redisConnectionFrom, redisEnv } from './redis-env.ts';
export {
  createRedisClient,
  createRedisClients,
  type RedisClientOptions,
  type RedisClients,
  type RedisConnection,
} from './redis-client.ts';
export { jitterTtl } from './ttl-jitter.ts';
