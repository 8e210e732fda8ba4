// The catalog's search, filters and sort live in the URL, so a view can be shared, bookmarked and reloaded.

export const SORTS = ['relevance', 'price_asc', 'price_desc', 'newest'] as const;
export type Sort = (typeof SORTS)[number];

export interface CatalogState {
  q: string;
  category: string | undefined;
  sort: Sort | undefined;
  /** Minor units. */
  minPrice: number | undefined;
  maxPrice: number | undefined;
  inStock: boolean;
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_INT4 = 2_147_483_647;

function price(value: string | null): number | undefined {
  if (value === null || !/^\d{1,10}$/.test(value)) return undefined;
  const number = Number(value);
  return number <= MAX_INT4 ? number : undefined;
}

/** What the URL says, with anything the API would refuse dropped rather than sent. */
export function parseCatalogState(params: URLSearchParams): CatalogState {
  const category = params.get('category') ?? undefined;
  const sort = params.get('sort');
  let minPrice = price(params.get('minPrice'));
  let maxPrice = price(params.get('maxPrice'));
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
    [minPrice, maxPrice] = [maxPrice, minPrice];
  }
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    category: category !== undefined && SLUG.test(category) && category.length <= 64 ? category : undefined,
    sort: SORTS.find((candidate) => candidate === sort),
    minPrice,
    maxPrice,
    inStock: params.get('inStock') === 'true',
  };
}

/** The URL for a state: defaults left out, in a fixed order, so equal states make equal URLs. */
export function catalogSearchParams(state: CatalogState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q.trim() !== '') params.set('q', state.q);
  if (state.category !== undefined) params.set('category', state.category);
  if (state.sort !== undefined) params.set('sort', state.sort);
  if (state.minPrice !== undefined) params.set('minPrice', String(state.minPrice));
  if (state.maxPrice !== undefined) params.set('maxPrice', String(state.maxPrice));
  if (state.inStock) params.set('inStock', 'true');
  return params;
}

/** The product list's query for a state (the API's names; `q` trimmed, empty left out). */
export function catalogQuery(state: CatalogState) {
  const q = state.q.trim();
  return {
    ...(q !== '' ? { q } : {}),
    ...(state.category !== undefined ? { category: state.category } : {}),
    ...(state.sort !== undefined ? { sort: state.sort } : {}),
    ...(state.minPrice !== undefined ? { minPrice: state.minPrice } : {}),
    ...(state.maxPrice !== undefined ? { maxPrice: state.maxPrice } : {}),
    ...(state.inStock ? { inStock: true } : {}),
  };
}
