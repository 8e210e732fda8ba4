import type { Order } from './order.ts';
import { OrderErrors } from './order.errors.ts';
import { decodeCursor, encodeCursor } from '@shop/sharding';
import type { OrderDeps, OrderFilters, OrderPage } from './ports.ts';

/** One of the caller's orders. Another customer's, a forged id's, or none: all the same 404. */
export async function getOwnOrder(deps: OrderDeps, customerId: string, orderId: string): Promise<Order> {
  const shard = deps.shards.shardOfOrder(orderId);
  if (shard === undefined || shard !== deps.shards.shardOf(customerId)) throw OrderErrors.notFound();
  const order = await deps.shards.reader(shard).findById(orderId);
  if (order === null || order.customerId !== customerId) throw OrderErrors.notFound();
  return order;
}

/** Any order, for admins and for the payment service; routed by the id alone. */
export async function getAnyOrder(deps: OrderDeps, orderId: string): Promise<Order> {
  const shard = deps.shards.shardOfOrder(orderId);
  const order = shard === undefined ? null : await deps.shards.reader(shard).findById(orderId);
  if (order === null) throw OrderErrors.notFound('No order has this id.');
  return order;
}

/** The caller's orders, newest first: one shard, one indexed range, the same cursor as every listing. */
export async function listOwnOrders(
  deps: OrderDeps,
  customerId: string,
  pageSize: number,
  cursor?: string,
): Promise<OrderPage> {
  const rows = await deps.shards.reader(deps.shards.shardOf(customerId)).listByCustomer(customerId, {
    limit: pageSize + 1,
    after: cursor === undefined ? undefined : decodeCursor(cursor),
  });
  const orders = rows.slice(0, pageSize);
  const last = orders.at(-1);
  return {
    orders,
    nextCursor: rows.length > pageSize && last !== undefined ? encodeCursor(last) : undefined,
  };
}

/** Every customer's orders for admins, newest first, across all shards. */
export function listAllOrders(
  deps: OrderDeps,
  filters: OrderFilters,
  pageSize: number,
  cursor?: string,
): Promise<OrderPage> {
  return deps.shards.listAll(filters, pageSize, cursor);
}
