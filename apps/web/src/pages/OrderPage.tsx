import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, newIdempotencyKey, unwrap } from '../api/client.ts';
import type { OrderStatus } from '../api/types.ts';
import { Columns, ErrorNote, Loading, Price } from '../components.tsx';
import { declineMessage } from '../lib/test-cards.ts';
import { CardChoice } from './CardChoice.tsx';
import { payOrder } from './pay.ts';

const STATUS_WORDS: Record<OrderStatus, string> = {
  PENDING_PAYMENT: 'Waiting for payment',
  PAID: 'Paid: confirming your items',
  CONFIRMED: 'Confirmed',
  CANCELLED: 'Cancelled',
  REFUND_PENDING: 'Refund under way',
  REFUNDED: 'Refunded',
};
const FINAL: OrderStatus[] = ['CONFIRMED', 'CANCELLED', 'REFUNDED'];

export function OrderPage() {
  const { id = '' } = useParams();
  const [card, setCard] = useState('pm_card_visa');
  const [retryKey, setRetryKey] = useState(newIdempotencyKey);
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/orders/{id}', { params: { path: { id } }, signal })),
    // Followed live until it settles.
    refetchInterval: (query) => (query.state.data && FINAL.includes(query.state.data.status) ? false : 1000),
  });
  const payments = useQuery({
    queryKey: ['payments', id],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET('/api/v1/payments', { params: { query: { orderId: id } }, signal })),
    refetchInterval: () => (order.data && FINAL.includes(order.data.status) ? false : 1000),
  });
  const retry = useMutation({
    mutationFn: () => payOrder(id, card, retryKey),
    onSettled: () => {
      setRetryKey(newIdempotencyKey());
      void payments.refetch();
      void order.refetch();
    },
  });

  if (order.isPending) return <Loading what="your order" />;
  if (order.error) return <ErrorNote error={order.error} retry={() => order.refetch()} />;
  const data = order.data;
  const latest = [...(payments.data?.payments ?? [])].sort((a, b) =>
    b.createdAt.localeCompare(a.createdAt),
  )[0];
  const declined = data.status === 'PENDING_PAYMENT' && latest?.status === 'failed';
  const waiting = !FINAL.includes(data.status) && !declined;

  return (
    <article className="order">
      <h1>Order {data.id.slice(0, 8)}</h1>
      <p
        className={`order-status status-${data.status}`}
        role="status"
        aria-live="polite"
        data-status={data.status}
      >
        {STATUS_WORDS[data.status]}
        {waiting && <span className="spinner" aria-hidden="true" />}
      </p>
      {declined && (
        <section className="decline" aria-labelledby="decline-heading">
          <h2 id="decline-heading">{declineMessage(latest.failureReason)}</h2>
          <p>Nothing was charged. Try another card to keep this order (it is held until it expires).</p>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (!retry.isPending) retry.mutate();
            }}
          >
            <CardChoice value={card} onChange={setCard} />
            <button type="submit" className="primary" disabled={retry.isPending}>
              {retry.isPending ? 'Paying…' : 'Pay with this card'}
            </button>
          </form>
        </section>
      )}
      {retry.error && <ErrorNote error={retry.error} />}
      {data.status === 'CANCELLED' && data.reason && <p>Why: {data.reason}</p>}
      <table>
        <Columns names={['Product', 'Quantity', 'Total']} />
        <tbody>
          {data.lines.map((line) => (
            <tr key={line.productId}>
              <td>{line.name}</td>
              <td>{line.quantity}</td>
              <td>
                <Price money={line.lineTotal} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="subtotal">
        Total: <Price money={data.total} />
      </p>
      <p>
        <Link to="/orders">All your orders</Link>
      </p>
    </article>
  );
}
