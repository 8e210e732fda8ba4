import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { Type } from 'typebox';
import type { Cart } from '../../domain/cart.ts';
import { CartItemParams, CartView, SetQuantityBody } from './cart.schemas.ts';

const tags = ['cart'];
const security = [{ bearerAuth: [] }];

/** The caller's own cart: one per customer, priced with the catalog as it is now. */
export const cartRoutes: FastifyPluginAsyncTypebox<{ cart: Cart }> = async (app, { cart }) => {
  app.addHook('onRequest', app.requireRole('customer'));

  app.get(
    '/',
    {
      schema: {
        tags,
        security,
        summary: 'Your cart, with current prices, availability and what stops a line from being checked out',
        response: { 200: CartView, ...problemResponses(401, 403, 503) },
      },
    },
    async (request) => cart.view(request.caller!.id),
  );

  app.put(
    '/items/:productId',
    {
      schema: {
        tags,
        security,
        summary:
          'Put a product in your cart with this quantity (replacing the one it had); answers the cart. ' +
          'An unknown product is 404; one not on sale, more units than available, or a full cart are 409',
        params: CartItemParams,
        body: SetQuantityBody,
        response: { 200: CartView, ...problemResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => cart.setQuantity(request.caller!.id, request.params.productId, request.body.quantity),
  );

  app.delete(
    '/items/:productId',
    {
      schema: {
        tags,
        security,
        summary: 'Take a product out of your cart (repeatable: a product not in it is no error)',
        params: CartItemParams,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      await cart.removeItem(request.caller!.id, request.params.productId);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/',
    {
      schema: {
        tags,
        security,
        summary: 'Empty your cart (repeatable)',
        response: { 204: Type.Null(), ...problemResponses(401, 403, 503) },
      },
    },
    async (request, reply) => {
      await cart.clear(request.caller!.id);
      return reply.code(204).send(null);
    },
  );
};
