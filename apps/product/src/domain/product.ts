import type { Money } from '@shop/contracts';

export type { Money };

export type AttributeValue = string | number | boolean;

/** What an attribute key may be: short, and plain enough for URLs, logs and exports. */
export const ATTRIBUTE_KEY_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

/**
 * A product as the catalog shows it. Timestamps are ISO 8601 strings because products are cached as JSON
 * and every reader must get the same shape, cached or not.
 */
export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  price: Money;
  imageUrl: string | null;
  attributes: Record<string, AttributeValue>;
  active: boolean;
  /** Whether any unit can be reserved now; the exact count stays internal so stock churn does not evict the cache. */
  inStock: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What an admin sees: every product, the hidden and the deleted ones too. */
export interface ManagedProduct extends Product {
  /** When it was soft-deleted; null while it exists. */
  deletedAt: string | null;
}

/**
 * What checkout and carts need of a product, read fresh from the database (never from the catalog cache:
 * the stock count must be the current one). `available` is 0 when the product is not sellable, since no
 * reservation of it can succeed.
 */
export interface ProductAvailability {
  id: string;
  sku: string;
  name: string;
  price: Money;
  imageUrl: string | null;
  /** On sale: active and not deleted (deleted products are never answered). */
  sellable: boolean;
  /** Units a reservation can take now. */
  available: number;
}

/** `active`: on sale; `inactive`: hidden but not deleted (a draft, or taken off sale); `deleted`: soft-deleted. */
export type ProductStatus = 'active' | 'inactive' | 'deleted';

/** What an admin gives to create a product: the catalog fields, and the units on sale from the start. */
export type NewProduct = Pick<
  Product,
  'sku' | 'name' | 'description' | 'category' | 'price' | 'imageUrl' | 'attributes' | 'active'
> & { initialStock: number };

export type ProductChanges = Partial<Omit<NewProduct, 'initialStock' | 'sku'>> & { sku?: string };

export interface Category {
  slug: string;
  name: string;
  productCount: number;
}

/** "running-shoes" -> "Running shoes". */
export function categoryName(slug: string): string {
  const words = slug.replaceAll('-', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
