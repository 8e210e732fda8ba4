import type { ProductDeps } from './ports.ts';
import type { ProductAvailability } from './product.ts';

/** How many products one lookup may name: a cart's or an order's lines, with room to spare. */
export const LOOKUP_MAX_IDS = 100;

/**
 * Checkout and carts read every line's product in one call. Straight from the database, not the catalog
 * cache: the price charged and the stock offered must be the current ones. Unknown and deleted ids are
 * left out; the rest come back in the order asked.
 */
export async function lookupProducts(
  deps: Pick<ProductDeps, 'products'>,
  ids: readonly string[],
): Promise<ProductAvailability[]> {
  const found = new Map((await deps.products.availability(ids)).map((product) => [product.id, product]));
  return ids.flatMap((id) => found.get(id) ?? []);
}
