import type { Cluster, Redis } from 'ioredis';
import type { CartStore } from '../domain/cart.ts';
import { MemoryCartStore } from './cart-store.memory.ts';
import { RedisCartStore } from './cart-store.redis.ts';

export { MemoryCartStore, type MemoryCartStoreOptions } from './cart-store.memory.ts';
export { RedisCartStore, type RedisCartStoreOptions } from './cart-store.redis.ts';

/** Carts in the service's Redis, or in this process when it has none (the embedded start; config refuses that in production). */
export function createCartStore(
  redis: Redis | Cluster | undefined,
  options: { keyPrefix: string },
): CartStore {
  return redis ? new RedisCartStore(redis, options) : new MemoryCartStore();
}
