import { ProductUpdatedV1 } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import type { ProductDeps } from './ports.ts';
import { productSnapshot } from './product-events.ts';
import type { Product, ProductChanges } from './product.ts';
import { ProductErrors } from './product.errors.ts';

/** Applies an admin's change if nobody changed the product since the version they read. */
export async function updateProduct(
  deps: ProductDeps,
  id: string,
  expectedVersion: number,
  changes: ProductChanges,
): Promise<Product> {
  return deps.transactions.run(async (uow) => {
    const outcome = await uow.products.update(id, expectedVersion, changes, deps.now());
    if (outcome.kind === 'not-found') throw ProductErrors.notFound();
    if (outcome.kind === 'stale') {
      throw ProductErrors.versionConflict(
        `The product is at version ${outcome.currentVersion}, not ${expectedVersion}; read it again and reapply your change.`,
        { extensions: { currentVersion: outcome.currentVersion } },
      );
    }
    await uow.publish(ProductUpdatedV1, id, productSnapshot(outcome.product));
    invalidateAfterCommit(uow, deps.cache, [id]);
    return outcome.product;
  });
}
