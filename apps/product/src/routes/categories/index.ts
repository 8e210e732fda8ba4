import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listCategories } from '../../domain/list-products.ts';
import type { ProductDeps } from '../../domain/ports.ts';
import { CategoryListView } from './categories.schemas.ts';

export const categoryRoutes: FastifyPluginAsyncTypebox<{ deps: ProductDeps }> = async (app, { deps }) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['products'],
        summary: 'Categories with products on show',
        response: { 200: CategoryListView },
      },
    },
    async () => ({ items: await listCategories(deps) }),
  );
};
