export type ReservationStatus = 'reserved' | 'committed' | 'released';

export interface StockLine {
  productId: string;
  quantity: number;
}

/** Stock held for one order; the order id makes reserve, commit and release idempotent. */
export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: StockLine[];
  expiresAt: Date;
}

export interface StockLevel {
  productId: string;
  /** Units that can be reserved now. */
  available: number;
  /** Units held for orders that are not paid yet. */
  reserved: number;
}

/** A line that could not be reserved, for the caller to show or to retry with less. */
export interface UnavailableLine {
  productId: string;
  requested: number;
  available: number;
}

/** Merges lines of the same product and orders them by product id, so locks are always taken in one order. */
export function normalizeLines(lines: readonly StockLine[]): StockLine[] {
  const merged = new Map<string, number>();
  for (const { productId, quantity } of lines) merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  return [...merged]
    .map(([productId, quantity]) => ({ productId, quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

export function sameLines(a: readonly StockLine[], b: readonly StockLine[]): boolean {
  return (
    a.length === b.length &&
    a.every((line, i) => line.productId === b[i]?.productId && line.quantity === b[i]?.quantity)
  );
}
