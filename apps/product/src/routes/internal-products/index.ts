import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { INTERNAL_TOKEN_HEADER, problemResponses, requireInternalToken } from '@shop/platform';
import { lookupProducts } from '../../domain/lookup-products.ts';
import type { ProductDeps } from '../../domain/ports.ts';
import { LookupBody, LookupView } from './internal-products.schemas.ts';

/**
 * Product reads for the order service (checkout, carts). Not routed by the gateway, and guarded by the
 * same service token as the inventory routes.
 */
export const internalProductRoutes: FastifyPluginAsyncTypebox<{
  deps: ProductDeps;
  internalToken: string;
}> = async (app, { deps, internalToken }) => {
  app.addHook('onRequest', requireInternalToken(internalToken));

  app.post(
    '/lookup',
    {
      schema: {
        tags: ['internal'],
        description: `Internal: send the service token in ${INTERNAL_TOKEN_HEADER}.`,
        summary: 'Several products with their current price and stock, in one call (never cached)',
        body: LookupBody,
        response: { 200: LookupView, ...problemResponses(400, 401) },
      },
    },
    async (request) => ({ products: await lookupProducts(deps, request.body.ids) }),
  );
};
