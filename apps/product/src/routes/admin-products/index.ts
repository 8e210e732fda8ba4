import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { getManagedProduct, listManagedProducts } from '../../domain/manage-products.ts';
import type { ProductDeps } from '../../domain/ports.ts';
import { ProductIdParams } from '../products/products.schemas.ts';
import { ManagedListQuery, ManagedProductPageView, ManagedProductView } from './admin-products.schemas.ts';

const tags = ['admin'];
const security = [{ bearerAuth: [] }];

/**
 * The catalog as an admin manages it: hidden and deleted products too, always from the database. The
 * public routes show only what is on sale; to put a hidden product back, PATCH it with `active: true`.
 */
export const adminProductRoutes: FastifyPluginAsyncTypebox<{ deps: ProductDeps }> = async (app, { deps }) => {
  app.addHook('onRequest', app.requireRole('admin'));

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Every product, or those in one status, most recently changed first (admin)',
        security,
        querystring: ManagedListQuery,
        response: { 200: ManagedProductPageView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => listManagedProducts(deps, request.query),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Any product, hidden or deleted too (admin)',
        security,
        params: ProductIdParams,
        response: { 200: ManagedProductView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getManagedProduct(deps, request.params.id),
  );
};
