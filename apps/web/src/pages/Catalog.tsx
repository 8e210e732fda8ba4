import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { ProductCard, QueryStates } from '../components.tsx';
import { useDebounced } from '../lib/use-debounced.ts';
import {
  SORTS,
  catalogQuery,
  catalogSearchParams,
  parseCatalogState,
  type CatalogState,
} from '../lib/url-state.ts';

const SORT_LABELS: Record<(typeof SORTS)[number], string> = {
  relevance: 'Best match',
  price_asc: 'Price: low to high',
  price_desc: 'Price: high to low',
  newest: 'Newest',
};
const PAGE_SIZE = 12;

export function Catalog() {
  const [params, setParams] = useSearchParams();
  const state = parseCatalogState(params);
  const [typed, setTyped] = useState(state.q);
  const q = useDebounced(typed, 250);
  const update = (change: Partial<CatalogState>) =>
    setParams(catalogSearchParams({ ...state, ...change }), { replace: true });

  // The debounced text goes to the URL; the URL drives the query.
  useEffect(() => {
    if (q !== state.q) update({ q });
  }, [q]);

  const categories = useQuery({
    queryKey: ['categories'],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/categories', { signal })),
    staleTime: 60_000,
  });
  const query = catalogQuery(state);
  // A newer query aborts the one in flight: TanStack Query cancels the unused signal's fetch.
  const products = useInfiniteQuery({
    queryKey: ['products', query],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/v1/products', {
          params: { query: { ...query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = products.data?.pages.flatMap((page) => page.items) ?? [];
  const searching = query.q !== undefined;

  return (
    <div className="catalog">
      <section aria-labelledby="search-heading" className="search">
        <h1 id="search-heading">{searching ? `Results for “${query.q}”` : 'Black Friday deals'}</h1>
        <label htmlFor="search">Search the catalog</label>
        <input
          id="search"
          type="search"
          value={typed}
          placeholder="Shoes, kettles, “exact phrase”…"
          onChange={(event) => setTyped(event.target.value)}
          maxLength={200}
        />
      </section>

      <div className="filters">
        <nav aria-label="Categories">
          <h2>Categories</h2>
          <QueryStates query={categories} what="categories" />
          <ul>
            <li>
              <button
                type="button"
                aria-pressed={state.category === undefined}
                onClick={() => update({ category: undefined })}
              >
                All
              </button>
            </li>
            {categories.data?.items.map((category) => (
              <li key={category.slug}>
                <button
                  type="button"
                  aria-pressed={state.category === category.slug}
                  onClick={() => update({ category: category.slug })}
                >
                  {category.name} <span className="count">({category.productCount})</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div className="filter-row">
          <label>
            Sort
            <select
              value={state.sort ?? ''}
              onChange={(event) =>
                update({ sort: SORTS.find((sort) => sort === event.target.value) ?? undefined })
              }
            >
              <option value="">Default</option>
              {SORTS.map((sort) => (
                <option key={sort} value={sort}>
                  {SORT_LABELS[sort]}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={state.inStock}
              onChange={(event) => update({ inStock: event.target.checked })}
            />
            In stock only
          </label>
        </div>
      </div>

      <section aria-labelledby="products-heading">
        <h2 id="products-heading">{searching || state.category ? 'Products' : 'Featured'}</h2>
        <QueryStates
          query={products}
          what="products"
          count={items.length}
          empty={
            <>
              <p>Nothing matches.</p>
              <p>
                Try fewer words, another category, or <Link to="/">see every product</Link>.
              </p>
            </>
          }
        />
        <ul className="grid">
          {items.map((product) => (
            <ProductCard key={product.id} product={product} />
          ))}
        </ul>
        {products.hasNextPage && (
          <button
            type="button"
            className="more"
            disabled={products.isFetchingNextPage}
            onClick={() => products.fetchNextPage()}
          >
            {products.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
      </section>
    </div>
  );
}
