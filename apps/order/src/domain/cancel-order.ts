import { isCancellable, type Order } from './order.ts';
import { OrderErrors } from './order.errors.ts';
import { cancel } from './order-saga.ts';
import type { OrderDeps } from './ports.ts';

/** The customer cancels an order nobody has paid for yet; its stock goes back on sale. */
export async function cancelOrder(deps: OrderDeps, customerId: string, orderId: string): Promise<Order> {
  const shard = deps.shards.shardOfOrder(orderId);
  // An id of another customer's shard cannot be theirs: 404 without a query, as for a forged id.
  if (shard === undefined || shard !== deps.shards.shardOf(customerId)) throw OrderErrors.notFound();
  return deps.shards.transactions(shard).run(async (uow) => {
    const order = await uow.orders.lock(orderId);
    if (order === null || order.customerId !== customerId) throw OrderErrors.notFound();
    if (order.status === 'CANCELLED') return order;
    if (!isCancellable(order))
      throw OrderErrors.notCancellable(undefined, { extensions: { status: order.status } });
    return cancel(uow, order, 'customer-requested', deps.now());
  });
}
