import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import type { OrderDeps } from '../../domain/ports.ts';
import { getAnyOrder, listAllOrders } from '../../domain/read-orders.ts';
import { orderPageView, orderView } from '../orders/order-view.ts';
import { AdminOrdersQuery, OrderIdParams, OrderPageView, OrderView } from '../orders/orders.schemas.ts';

const tags = ['admin'];
const security = [{ bearerAuth: [] }];

/** Every customer's orders, for admins: a scatter-gather over all shards, merged newest first. */
export const adminOrderRoutes: FastifyPluginAsyncTypebox<{ deps: OrderDeps }> = async (app, { deps }) => {
  app.get(
    '/',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        tags,
        summary: 'All orders, newest first, across every shard',
        description:
          'Filters by status and creation time. Pages are exact across shards (every order once, in ' +
          'order); orders created after the first page was read appear on a new listing, not in later ' +
          'pages. If a shard cannot answer, the listing is a 503 naming it rather than a silently short page.',
        security,
        querystring: AdminOrdersQuery,
        response: { 200: OrderPageView, ...problemResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { limit, cursor, status, createdFrom, createdTo } = request.query;
      const filters = {
        ...(status === undefined ? {} : { status }),
        ...(createdFrom === undefined ? {} : { createdFrom: new Date(createdFrom) }),
        ...(createdTo === undefined ? {} : { createdTo: new Date(createdTo) }),
      };
      return orderPageView(await listAllOrders(deps, filters, limit, cursor));
    },
  );

  app.get(
    '/:id',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        tags,
        summary: 'Any order by id (routed to its shard by the id alone)',
        security,
        params: OrderIdParams,
        response: { 200: OrderView, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => orderView(await getAnyOrder(deps, request.params.id)),
  );
};
