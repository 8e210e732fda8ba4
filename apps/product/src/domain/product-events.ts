import type { Product } from './product.ts';

/** The product as its integration events carry it. */
export function productSnapshot(product: Product) {
  const { id, sku, name, category, price, active, version } = product;
  return { productId: id, sku, name, category, price: { ...price }, active, version };
}
