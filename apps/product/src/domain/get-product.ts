import type { ProductDeps } from './ports.ts';
import type { Product } from './product.ts';
import { ProductErrors } from './product.errors.ts';

/** A product from the cache, or from the database on a miss; unknown ids are remembered as unknown for a while. */
export async function getProduct(deps: ProductDeps, id: string): Promise<Product> {
  const product = await deps.cache.product(id, () => deps.products.findById(id));
  if (!product) throw ProductErrors.notFound();
  return product;
}
