import type { Order } from '../../domain/order.ts';
import type { OrderPage } from '../../domain/ports.ts';

/** An order as JSON: instants as ISO 8601 strings. */
export function orderView(order: Order) {
  return {
    ...order,
    expiresAt: order.expiresAt.toISOString(),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

/** A page of orders and the cursor of the next one (null when this page is the last). */
export function orderPageView(page: OrderPage) {
  return { items: page.orders.map(orderView), nextCursor: page.nextCursor ?? null };
}
