import { ProductCreatedV1 } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import type { ProductDeps } from './ports.ts';
import { productSnapshot } from './product-events.ts';
import type { NewProduct, Product } from './product.ts';

export async function createProduct(deps: ProductDeps, input: NewProduct): Promise<Product> {
  const id = deps.newId();
  return deps.transactions.run(async (uow) => {
    const product = await uow.products.create(id, input, deps.now());
    await uow.stock.create(id, input.initialStock);
    await uow.publish(ProductCreatedV1, id, productSnapshot(product));
    // A read of this id before the commit may have cached "unknown".
    invalidateAfterCommit(uow, deps.cache, [id]);
    return { ...product, inStock: input.initialStock > 0 };
  });
}
