import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { commitReservation } from '../../domain/commit-reservation.ts';
import { InventoryErrors } from '../../domain/inventory.errors.ts';
import type { Reservation } from '../../domain/inventory.ts';
import type { ProductDeps } from '../../domain/ports.ts';
import { ProductErrors } from '../../domain/product.errors.ts';
import { releaseReservation } from '../../domain/release-reservation.ts';
import { reserveStock } from '../../domain/reserve-stock.ts';
import {
  OrderIdParams,
  ProductIdParams,
  ReservationView,
  ReserveBody,
  StockLevelView,
} from './inventory.schemas.ts';

const reservationView = (reservation: Reservation) => ({
  ...reservation,
  expiresAt: reservation.expiresAt.toISOString(),
});

/**
 * Stock reservations for the order service. Not routed by the gateway, and every call must carry a service
 * token for this service with the route's scope, so a public caller that reaches the pod still gets 401
 * (403 with a customer's token).
 */
export const inventoryRoutes: FastifyPluginAsyncTypebox<{ deps: ProductDeps }> = async (app, { deps }) => {
  const tags = ['internal'];
  const security = [{ bearerAuth: [] }];
  const description = (scope: string) => `Internal: a service token for product with the scope ${scope}.`;

  app.put(
    '/reservations/:orderId',
    {
      onRequest: app.requireService('inventory:reserve'),
      schema: {
        tags,
        description: description('inventory:reserve'),
        security,
        summary:
          'Hold stock for an order, all lines or none; repeating the call answers the same reservation',
        params: OrderIdParams,
        body: ReserveBody,
        response: { 200: ReservationView, 201: ReservationView, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { reservation, created } = await reserveStock(deps, {
        orderId: request.params.orderId,
        ...request.body,
      });
      return reply.code(created ? 201 : 200).send(reservationView(reservation));
    },
  );

  app.get(
    '/reservations/:orderId',
    {
      onRequest: app.requireService('inventory:read'),
      schema: {
        tags,
        description: description('inventory:read'),
        security,
        summary: "An order's reservation",
        params: OrderIdParams,
        response: { 200: ReservationView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const reservation = await deps.inventory.reservation(request.params.orderId);
      if (!reservation) throw InventoryErrors.reservationNotFound();
      return reservationView(reservation);
    },
  );

  app.post(
    '/reservations/:orderId/commit',
    {
      onRequest: app.requireService('inventory:commit'),
      schema: {
        tags,
        description: description('inventory:commit'),
        security,
        summary: 'The order is paid: sell its held stock (idempotent)',
        params: OrderIdParams,
        response: { 200: ReservationView, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => reservationView(await commitReservation(deps, request.params.orderId)),
  );

  app.post(
    '/reservations/:orderId/release',
    {
      onRequest: app.requireService('inventory:release'),
      schema: {
        tags,
        description: description('inventory:release'),
        security,
        summary: 'The order is cancelled: put its held stock back on sale (idempotent)',
        params: OrderIdParams,
        response: { 200: ReservationView, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request) => reservationView(await releaseReservation(deps, request.params.orderId)),
  );

  app.get(
    '/stock/:productId',
    {
      onRequest: app.requireService('inventory:read'),
      schema: {
        tags,
        description: description('inventory:read'),
        security,
        summary: "A product's stock",
        params: ProductIdParams,
        response: { 200: StockLevelView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const level = await deps.inventory.stockLevel(request.params.productId);
      if (!level) throw ProductErrors.notFound();
      return level;
    },
  );
};
