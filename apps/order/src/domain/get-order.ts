import type { OrderDeps } from './ports.ts';
import type { Order } from './order.ts';
import { OrderErrors } from './order.errors.ts';

/** The caller's own order; someone else's answers as not found, so ids cannot be probed. */
export async function getOrder(deps: OrderDeps, ownerId: string, id: string): Promise<Order> {
  const found = await deps.orders.findOwned(id, ownerId);
  if (!found) throw OrderErrors.notFound();
  return found;
}
