import type { ProductCache, UnitOfWork } from './ports.ts';

/**
 * After the commit, drops the cached products and every cached list page, here and in every replica.
 * Called for each change a reader can see: product data, price, activity, and stock going in or out.
 */
export function invalidateAfterCommit(
  uow: UnitOfWork,
  cache: ProductCache,
  productIds: readonly string[],
): void {
  if (productIds.length === 0) return;
  uow.afterCommit(async () => {
    await Promise.all(productIds.map((id) => cache.invalidateProduct(id)));
    await cache.invalidateLists();
  });
}
