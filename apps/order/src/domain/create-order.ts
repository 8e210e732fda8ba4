import type { OrderDeps, NewOrder } from './ports.ts';
import type { Order } from './order.ts';

/** Records a new order owned by the caller. */
export function createOrder(deps: OrderDeps, ownerId: string, input: NewOrder): Promise<Order> {
  return deps.orders.create({ id: deps.newId(), ownerId, title: input.title.trim(), createdAt: deps.now() });
}
