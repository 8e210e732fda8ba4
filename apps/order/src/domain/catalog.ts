import type { Money } from '@shop/contracts';

/**
 * What the order service needs of the product service, as ports: carts show current prices and
 * availability, and checkout takes its prices and holds its stock there. data-access/product.client.ts
 * implements them over HTTP; unit tests pass stand-ins.
 */

/** A product as a cart line or an order line needs it, read fresh from the product service. */
export interface ProductSnapshot {
  id: string;
  sku: string;
  name: string;
  price: Money;
  imageUrl: string | null;
  /** On sale: active and not deleted. A product that is not cannot be put in a cart or ordered. */
  sellable: boolean;
  /** Units that can be reserved right now. */
  available: number;
}

export interface ProductCatalog {
  /**
   * The products with these ids, in one call to the product service (never one per line). Unknown and
   * deleted ids are absent from the map. Throws a 503 AppError when the product service cannot answer.
   */
  lookup(ids: readonly string[]): Promise<Map<string, ProductSnapshot>>;
}

export interface StockLine {
  productId: string;
  quantity: number;
}

export interface StockShortage {
  productId: string;
  requested: number;
  available: number;
}

export type ReserveOutcome = { ok: true; expiresAt: Date } | { ok: false; shortages: StockShortage[] };

export interface StockReservations {
  /**
   * Holds stock for every line of an order, or none. Idempotent by order id: repeating the call answers
   * the same reservation. A shortage is an outcome, not an error; an unreachable product service throws
   * a 503 AppError.
   */
  reserve(orderId: string, lines: readonly StockLine[], ttlSeconds: number): Promise<ReserveOutcome>;
  /** Puts an order's held stock back on sale; idempotent, and a no-op for an order with no reservation. */
  release(orderId: string): Promise<void>;
}
