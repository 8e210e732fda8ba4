import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

/** An order as the order service's internal read answers it. */
export interface StubOrder {
  id: string;
  customerId: string;
  status: string;
  total: { amount: number; currency: string };
  paymentId: string | null;
  expiresAt: string;
}

export interface OrderStub {
  url: string;
  internalToken: string;
  orders: Map<string, StubOrder>;
  /** Order reads received, by order id, in order. */
  reads: string[];
  /** Adds a PENDING_PAYMENT order of `customerId` (default 12.50 USD) and answers it. */
  add(customerId: string, overrides?: Partial<StubOrder>): StubOrder;
  close(): Promise<void>;
}

export const STUB_INTERNAL_TOKEN = 'stub-internal-token-0123456789abcdef';

/**
 * A stand-in order service for the payment service's tests: its internal order read answers from `orders`
 * and checks the internal token as the real one does. The lead's end-to-end test runs the real order service.
 */
export async function startOrderStub(): Promise<OrderStub> {
  const orders = new Map<string, StubOrder>();
  const reads: string[] = [];
  const app = Fastify();
  app.get<{ Params: { id: string } }>('/internal/v1/orders/:id', async (request, reply) => {
    if (request.headers['x-internal-token'] !== STUB_INTERNAL_TOKEN)
      return reply.code(401).type('application/problem+json').send({ code: 'PLATFORM_ERR_UNAUTHORIZED' });
    reads.push(request.params.id);
    const order = orders.get(request.params.id);
    if (order === undefined)
      return reply.code(404).type('application/problem+json').send({ code: 'ORDER_ERR_NOT_FOUND' });
    return order;
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    internalToken: STUB_INTERNAL_TOKEN,
    orders,
    reads,
    add(customerId, overrides = {}) {
      const order: StubOrder = {
        id: randomUUID(),
        customerId,
        status: 'PENDING_PAYMENT',
        total: { amount: 1_250, currency: 'USD' },
        paymentId: null,
        expiresAt: new Date(Date.now() + 900_000).toISOString(),
        ...overrides,
      };
      orders.set(order.id, order);
      return order;
    },
    close: () => app.close(),
  };
}
