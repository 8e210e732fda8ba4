import type { Cache } from '@shop/cache';
import type { ProductCache } from '../domain/ports.ts';
import type { Product } from '../domain/product.ts';

export const LIST_NAMESPACE = 'product-lists';

export interface ProductCacheTtls {
  productTtlMs: number;
  listTtlMs: number;
  negativeTtlMs: number;
}

/** Products by id in one cache, list/search/category pages in another, so each has its own hit rate. */
export function createProductCache(
  caches: { products: Cache; lists: Cache },
  ttl: ProductCacheTtls,
): ProductCache {
  const productOptions = { ttl: ttl.productTtlMs, negativeTtl: ttl.negativeTtlMs };
  const listOptions = { ttl: ttl.listTtlMs, namespace: LIST_NAMESPACE };
  return {
    product: (id, load) => caches.products.getOrLoad<Product>(`product:${id}`, load, productOptions),
    async page<T>(key: string, load: () => Promise<T>): Promise<T> {
      return (await caches.lists.getOrLoad<T>(key, load, listOptions)) as T;
    },
    invalidateProduct: (id) => caches.products.invalidate(`product:${id}`),
    invalidateLists: () => caches.lists.bumpGeneration(LIST_NAMESPACE),
  };
}

/** No cache at all: every read goes to PostgreSQL (CACHE_ENABLED=false, to measure what the cache buys). */
export const uncachedProducts: ProductCache = {
  product: async (_id, load) => (await load()) ?? undefined,
  page: (_key, load) => load(),
  invalidateProduct: async () => {},
  invalidateLists: async () => {},
};
