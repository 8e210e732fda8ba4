import { ProductDeletedV1 } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import type { ProductDeps } from './ports.ts';
import { ProductErrors } from './product.errors.ts';

/** Soft-deletes a product; deleting it again is a no-op, an id that never existed is 404. */
export async function deleteProduct(deps: ProductDeps, id: string): Promise<void> {
  await deps.transactions.run(async (uow) => {
    const deleted = await uow.products.softDelete(id, deps.now());
    if (!deleted) {
      if (await uow.products.exists(id)) return;
      throw ProductErrors.notFound();
    }
    await uow.publish(ProductDeletedV1, id, { productId: id, sku: deleted.sku, version: deleted.version });
    invalidateAfterCommit(uow, deps.cache, [id]);
  });
}
