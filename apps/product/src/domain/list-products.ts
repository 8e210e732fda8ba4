import {
  encodeCursor,
  isCacheable,
  pageKey,
  toSearch,
  type ListRequest,
  type ProductPage,
} from './catalog-query.ts';
import type { ProductDeps } from './ports.ts';
import type { Category } from './product.ts';

/** One page of the catalog (search, filters, sort); first pages of the usual sizes are cached until the next catalog write. */
export async function listProducts(deps: ProductDeps, request: ListRequest): Promise<ProductPage> {
  const search = toSearch(request);
  const load = async (): Promise<ProductPage> => {
    const rows = await deps.products.search(search);
    const page = rows.slice(0, search.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > search.limit && last ? encodeCursor(search, last.key) : null;
    return { items: page.map((row) => row.product), nextCursor };
  };
  return isCacheable(search) ? deps.cache.page(`products:${pageKey(search)}`, load) : load();
}

/** Categories that have products on show, with their counts. */
export async function listCategories(deps: ProductDeps): Promise<Category[]> {
  return deps.cache.page('categories', () => deps.products.categories());
}
