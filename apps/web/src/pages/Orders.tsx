import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { Empty, ErrorNote, Loading, Price } from '../components.tsx';

export function Orders() {
  const orders = useInfiniteQuery({
    queryKey: ['orders'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/v1/orders', {
          params: { query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  if (orders.isPending) return <Loading what="your orders" />;
  if (orders.error) return <ErrorNote error={orders.error} retry={() => orders.refetch()} />;
  const items = orders.data.pages.flatMap((page) => page.items);
  if (items.length === 0) {
    return (
      <Empty>
        <h1>No orders yet</h1>
        <p>
          <Link to="/">Find something in the catalog</Link>.
        </p>
      </Empty>
    );
  }
  return (
    <div>
      <h1>Your orders</h1>
      <ul className="orders">
        {items.map((order) => (
          <li key={order.id}>
            <Link to={`/orders/${order.id}`}>Order {order.id.slice(0, 8)}</Link> ·{' '}
            {new Date(order.createdAt).toLocaleString()} · {order.status} · <Price money={order.total} />
          </li>
        ))}
      </ul>
      {orders.hasNextPage && (
        <button type="button" onClick={() => orders.fetchNextPage()} disabled={orders.isFetchingNextPage}>
          Load more
        </button>
      )}
    </div>
  );
}
