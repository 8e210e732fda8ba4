import type { Money } from '@shop/contracts';

/**
 * The order lifecycle. The happy path is PENDING_PAYMENT -> PAID -> CONFIRMED; an unpaid order ends
 * CANCELLED; a paid order whose stock cannot be sold, or a payment that lands on an order that is no
 * longer payable, goes through REFUND_PENDING to REFUNDED. So every paid order ends CONFIRMED or
 * REFUNDED, and REFUND_PENDING is where an unfinished one is visible instead of silently dropped.
 */
export type OrderStatus =
  'PENDING_PAYMENT' | 'PAID' | 'CONFIRMED' | 'CANCELLED' | 'REFUND_PENDING' | 'REFUNDED';

export type CancelReason = 'customer-requested' | 'expired' | 'payment-failed';
export type RefundReason = 'order-cancelled' | 'stock-unavailable' | 'amount-mismatch' | 'duplicate-payment';

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface OrderLine {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: Money;
  lineTotal: Money;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  total: Money;
  shippingAddress: ShippingAddress;
  paymentId: string | null;
  refunded: Money;
  /** Why it was cancelled, or why its payment is being refunded. */
  reason: string | null;
  /** Unpaid past this instant, it is cancelled (the stock reservation's own expiry). */
  expiresAt: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The money of `lines`, all in one currency (checkout refuses a mix before it gets here). */
export function orderTotal(lines: readonly Pick<OrderLine, 'lineTotal'>[]): Money {
  const currency = lines[0]?.lineTotal.currency ?? 'USD';
  return { amount: lines.reduce((sum, line) => sum + line.lineTotal.amount, 0), currency };
}

/** A customer (or the expiry sweep) may cancel only what nobody has paid for yet. */
export const isCancellable = (order: Pick<Order, 'status'>) => order.status === 'PENDING_PAYMENT';
