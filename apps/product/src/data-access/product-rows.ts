import type { AttributeValue, Product } from '../domain/product.ts';

/** The product columns every read selects, as Prisma names them. */
export const productColumns = {
  id: true,
  sku: true,
  name: true,
  description: true,
  category: true,
  priceAmount: true,
  priceCurrency: true,
  imageUrl: true,
  attributes: true,
  active: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  stock: { select: { available: true } },
} as const;

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  priceAmount: number;
  priceCurrency: string;
  imageUrl: string | null;
  attributes: unknown;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  stock: { available: number } | null;
}

export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: { amount: row.priceAmount, currency: row.priceCurrency },
    imageUrl: row.imageUrl,
    attributes: (row.attributes ?? {}) as Record<string, AttributeValue>,
    active: row.active,
    inStock: (row.stock?.available ?? 0) > 0,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
