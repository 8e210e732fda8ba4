import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { AppError, jwtAuthPlugin, remoteJwks } from '@shop/platform';
import type { TestAuth } from '@shop/testing';

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
  orders: Map<string, StubOrder>;
  /** Order reads received, by order id, in order. */
  reads: string[];
  /** Adds a PENDING_PAYMENT order of `customerId` (default 12.50 USD) and answers it. */
  add(customerId: string, overrides?: Partial<StubOrder>): StubOrder;
  close(): Promise<void>;
}

/**
 * A stand-in order service for the payment service's tests: its internal order read answers from `orders`
 * behind the guard the real one has (a service token from `auth` for the audience order, scope orders:read).
 * The order service's own tests run payment against the real order service.
 */
export async function startOrderStub(auth: TestAuth): Promise<OrderStub> {
  const orders = new Map<string, StubOrder>();
  const reads: string[] = [];
  const app = Fastify();
  await app.register(jwtAuthPlugin, {
    issuer: auth.issuer,
    audience: auth.audience,
    keys: remoteJwks(auth.jwksUrl),
    serviceAudience: 'order',
  });
  app.setErrorHandler((error, _request, reply) =>
    error instanceof AppError
      ? reply.code(error.status).type('application/problem+json').send({ code: error.code })
      : reply.code(500).send({ code: 'STUB_ERR_INTERNAL' }),
  );
  app.get<{ Params: { id: string } }>(
    '/internal/v1/orders/:id',
    { onRequest: app.requireService('orders:read') },
    async (request, reply) => {
      reads.push(request.params.id);
      const order = orders.get(request.params.id);
      if (order === undefined)
        return reply.code(404).type('application/problem+json').send({ code: 'ORDER_ERR_NOT_FOUND' });
      return order;
    },
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
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
