import { ATTRIBUTE_KEY_PATTERN, type AttributeValue, type Product } from '../domain/product.ts';

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
    attributes: attributesOf(row.attributes),
    active: row.active,
    inStock: (row.stock?.available ?? 0) > 0,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const ATTRIBUTE_KEY = new RegExp(ATTRIBUTE_KEY_PATTERN);

const isAttributeValue = (value: unknown): value is AttributeValue =>
  typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value);

/**
 * The stored attributes the API can render: a row written before the schema refused odd keys or values
 * (or by hand) would otherwise fail the response serializer on every page that shows it.
 */
export function attributesOf(stored: unknown): Record<string, AttributeValue> {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return {};
  return Object.fromEntries(
    Object.entries(stored).filter(([key, value]) => ATTRIBUTE_KEY.test(key) && isAttributeValue(value)),
  );
}
