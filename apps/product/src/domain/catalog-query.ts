import { createHash } from 'node:crypto';
import {
  decodeCursor,
  encodeCursor as encodeBody,
  isFloat4,
  isInstant,
  isInt4,
  isRowId,
} from './page-cursor.ts';
import type { Product } from './product.ts';
import { ProductErrors } from './product.errors.ts';

export type ProductSort = 'relevance' | 'price_asc' | 'price_desc' | 'newest';

export interface ProductFilters {
  /** Full-text search terms (web-search syntax: quotes, `or`, `-word`). */
  q?: string;
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
}

/** Where the previous page ended, in the order's own terms; ties are broken by id. */
export interface SortKey {
  value: number | string;
  id: string;
}

export interface ProductSearch extends ProductFilters {
  sort: ProductSort;
  limit: number;
  after?: SortKey;
}

/** A product with its position in the requested order. */
export interface RankedProduct {
  product: Product;
  key: SortKey;
}

export interface ProductPage {
  items: Product[];
  /** Opaque; pass it back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

export interface ListRequest extends ProductFilters {
  sort?: ProductSort;
  limit: number;
  cursor?: string;
}

type CursorBody = {
  s: ProductSort;
  f: string;
  k: [number | string, string];
};

const CURSOR_KEYS = ['s', 'f', 'k'] as const;

/** Normalizes a request: blank search terms drop out, relevance needs terms, a cursor must match the query. */
export function toSearch(request: ListRequest): ProductSearch {
  const filters = normalizedFilters(request);
  if (
    filters.minPrice !== undefined &&
    filters.maxPrice !== undefined &&
    filters.minPrice > filters.maxPrice
  ) {
    throw ProductErrors.invalidQuery('minPrice is greater than maxPrice; swap them or drop one.');
  }
  const requested = request.sort ?? (filters.q ? 'relevance' : 'newest');
  // Without search terms every rank is equal, so relevance falls back to the newest first.
  const sort = requested === 'relevance' && !filters.q ? 'newest' : requested;
  const search: ProductSearch = { ...filters, sort, limit: request.limit };
  if (request.cursor !== undefined) search.after = afterCursor(request.cursor, sort, filters);
  return search;
}

/**
 * Page sizes whose first pages are cached. Browsing traffic is mostly first pages of a few sizes; a
 * cursor names one position in one query and an arbitrary size multiplies every query by 100, so caching
 * those would fill the cache with pages read about once. They are read from PostgreSQL instead.
 */
export const CACHED_PAGE_LIMITS: ReadonlySet<number> = new Set([10, 20, 50, 100]);

/** Whether the page is worth caching (see CACHED_PAGE_LIMITS). */
export function isCacheable(search: ProductSearch): boolean {
  return search.after === undefined && CACHED_PAGE_LIMITS.has(search.limit);
}

/** The cursor that continues after `last` in the same query. */
export function encodeCursor(search: ProductSearch, last: SortKey): string {
  const body: CursorBody = { s: search.sort, f: filterFingerprint(search), k: [last.value, last.id] };
  return encodeBody(body);
}

/** A stable cache key of everything that shapes a page. */
export function pageKey(search: ProductSearch): string {
  const { q, category, minPrice, maxPrice, inStock, sort, limit, after } = search;
  return JSON.stringify([
    q ?? null,
    category ?? null,
    minPrice ?? null,
    maxPrice ?? null,
    inStock ?? null,
    sort,
    limit,
    after ? [after.value, after.id] : null,
  ]);
}

function normalizedFilters(request: ProductFilters): ProductFilters {
  const filters: ProductFilters = {};
  const q = request.q?.trim().replace(/\s+/g, ' ');
  if (q) filters.q = q;
  if (request.category !== undefined) filters.category = request.category;
  if (request.minPrice !== undefined) filters.minPrice = request.minPrice;
  if (request.maxPrice !== undefined) filters.maxPrice = request.maxPrice;
  if (request.inStock !== undefined) filters.inStock = request.inStock;
  return filters;
}

function filterFingerprint(filters: ProductFilters): string {
  const canonical = JSON.stringify([
    filters.q ?? null,
    filters.category ?? null,
    filters.minPrice ?? null,
    filters.maxPrice ?? null,
    filters.inStock ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

function afterCursor(cursor: string, sort: ProductSort, filters: ProductFilters): SortKey {
  const body = decodeCursor(cursor, CURSOR_KEYS);
  if (body.s !== sort || body.f !== filterFingerprint(filters)) throw ProductErrors.invalidCursor();
  const key = Array.isArray(body.k) && body.k.length === 2 ? body.k : [];
  const [value, id] = key;
  if (!isRowId(id) || !validKeyValue(sort, value)) throw ProductErrors.invalidCursor();
  return { value, id };
}

// Each value is compared with a column of its own type, so it must fit that type.
function validKeyValue(sort: ProductSort, value: unknown): value is number | string {
  if (sort === 'newest') return isInstant(value);
  if (sort === 'relevance') return isFloat4(value) && value >= 0;
  return isInt4(value) && value >= 0;
}
