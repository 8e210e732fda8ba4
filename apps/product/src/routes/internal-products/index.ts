import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { lookupProducts } from '../../domain/lookup-products.ts';
import type { ProductDeps } from '../../domain/ports.ts';
import { LookupBody, LookupView } from './internal-products.schemas.ts';

/**
 * Product reads for the order service (checkout, carts). Not routed by the gateway, and guarded by a
 * service token with the products:lookup scope.
 */
export const internalProductRoutes: FastifyPluginAsyncTypebox<{ deps: ProductDeps }> = async (
  app,
  { deps },
) => {
  app.post(
    '/lookup',
    {
      onRequest: app.requireService('products:lookup'),
      schema: {
        tags: ['internal'],
        description: 'Internal: a service token for product with the scope products:lookup.',
        security: [{ bearerAuth: [] }],
        summary: 'Several products with their current price and stock, in one call (never cached)',
        body: LookupBody,
        response: { 200: LookupView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => ({ products: await lookupProducts(deps, request.body.ids) }),
  );
};
