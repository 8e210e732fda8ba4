import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { cancelOrder } from '../../domain/cancel-order.ts';
import type { Order } from '../../domain/order.ts';
import { placeOrder } from '../../domain/place-order.ts';
import type { OrderDeps, OrderUnitOfWork } from '../../domain/ports.ts';
import { getOwnOrder, listOwnOrders } from '../../domain/read-orders.ts';
import { orderPageView, orderView } from './order-view.ts';
import { OrderIdParams, OrderPageView, OrderView, OwnOrdersQuery, PlaceOrderBody } from './orders.schemas.ts';

const tags = ['orders'];
const security = [{ bearerAuth: [] }];

/** A customer's own orders: checkout, reads (one shard), cancellation. */
export const orderRoutes: FastifyPluginAsyncTypebox<{ deps: OrderDeps }> = async (app, { deps }) => {
  app.post(
    '/',
    {
      onRequest: app.requireRole('customer'),
      config: {
        idempotency: {
          // Chosen once per key, before anything happens: a retry after a crash reuses it, so the stock
          // hold (idempotent by order id) and the order row are the same ones.
          resourceId: (request) => deps.shards.newOrderId(deps.shards.shardOf(request.caller!.id)),
        },
      },
      schema: {
        tags,
        summary: 'Place an order (checkout) from your cart or from the given items',
        description:
          'Prices come from the catalog and the stock is held for the order; pay it within the hold ' +
          '(`expiresAt`) or it is cancelled. Send an `Idempotency-Key`: retrying with the same key and body ' +
          'answers the first response and never places a second order.',
        security,
        body: PlaceOrderBody,
        response: { 201: OrderView, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      // The order's transaction also records the response under the idempotency key (the same shard),
      // so "done" is never recorded without the order, nor the order without its answer.
      await placeOrder(
        deps,
        {
          orderId: request.idempotency.resourceId,
          customerId: request.caller!.id,
          shippingAddress: request.body.shippingAddress,
          ...(request.body.items === undefined ? {} : { items: request.body.items }),
        },
        async (work) => {
          let placed: Order | undefined;
          await request.idempotency.complete<OrderUnitOfWork>(reply, async (tx) => {
            placed = await work(tx);
            return {
              statusCode: 201,
              headers: { location: `/api/v1/orders/${placed.id}` },
              body: orderView(placed),
            };
          });
          return placed!;
        },
      );
      return reply;
    },
  );

  app.get(
    '/',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'Your orders, newest first',
        security,
        querystring: OwnOrdersQuery,
        response: { 200: OrderPageView, ...problemResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      return orderPageView(await listOwnOrders(deps, request.caller!.id, limit, cursor));
    },
  );

  app.get(
    '/:id',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'One of your orders',
        description: "Another customer's order is a 404, exactly like an id that does not exist.",
        security,
        params: OrderIdParams,
        response: { 200: OrderView, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => orderView(await getOwnOrder(deps, request.caller!.id, request.params.id)),
  );

  app.post(
    '/:id/cancel',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'Cancel one of your orders that is not paid yet; its stock goes back on sale',
        security,
        params: OrderIdParams,
        response: { 200: OrderView, ...problemResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => orderView(await cancelOrder(deps, request.caller!.id, request.params.id)),
  );
};
