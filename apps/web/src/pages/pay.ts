import { api, newIdempotencyKey, unwrap } from '../api/client.ts';

/** One payment attempt: the key is made once per attempt by the caller and reused on a retry of it. */
export async function payOrder(orderId: string, paymentMethod: string, idempotencyKey = newIdempotencyKey()) {
  return unwrap(
    await api.POST('/api/v1/payments', {
      params: { header: { 'idempotency-key': idempotencyKey } },
      body: { orderId, paymentMethod },
    }),
  );
}
