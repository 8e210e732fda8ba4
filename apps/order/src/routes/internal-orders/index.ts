import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import type { OrderDeps } from '../../domain/ports.ts';
import { getAnyOrder } from '../../domain/read-orders.ts';
import { InternalOrderView, OrderIdParams } from '../orders/orders.schemas.ts';

/**
 * What the payment service reads before it charges: the order's owner, state and amount, so the amount
 * charged always comes from the order and never from the client. Not routed by the gateway.
 */
export const internalOrderRoutes: FastifyPluginAsyncTypebox<{ deps: OrderDeps }> = async (app, { deps }) => {
  app.get(
    '/:id',
    {
      onRequest: app.requireService('orders:read'),
      schema: {
        tags: ['internal'],
        description: 'Internal: a service token for order with the scope orders:read.',
        security: [{ bearerAuth: [] }],
        summary: "An order's owner, state and amount",
        params: OrderIdParams,
        response: { 200: InternalOrderView, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { id, customerId, status, total, paymentId, expiresAt } = await getAnyOrder(
        deps,
        request.params.id,
      );
      return { id, customerId, status, total, paymentId, expiresAt: expiresAt.toISOString() };
    },
  );
};
