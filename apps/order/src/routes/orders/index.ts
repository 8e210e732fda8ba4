import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { createOrder } from '../../domain/create-order.ts';
import { getOrder } from '../../domain/get-order.ts';
import type { OrderDeps } from '../../domain/ports.ts';
import type { Order } from '../../domain/order.ts';
import { CreateOrderBody, OrderIdParams, OrderView } from './orders.schemas.ts';

const tags = ['orders'];
const security = [{ bearerAuth: [] }];
const view = (order: Order) => ({ ...order, createdAt: order.createdAt.toISOString() });

export const orderRoutes: FastifyPluginAsyncTypebox<{ deps: OrderDeps }> = async (app, { deps }) => {
  app.post(
    '/',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'Create a order of your own',
        security,
        body: CreateOrderBody,
        response: { 201: OrderView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(view(await createOrder(deps, request.caller!.id, request.body))),
  );

  app.get(
    '/:id',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'One of your orders',
        security,
        params: OrderIdParams,
        response: { 200: OrderView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => view(await getOrder(deps, request.caller!.id, request.params.id)),
  );
};
