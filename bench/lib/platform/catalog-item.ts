import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';

// A product read as the catalog serves it: the hottest request on Black Friday, and small enough that
// per-request framework cost (not the body) dominates, which is what the platform figure is about.
export const CatalogItemSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  name: Type.String(),
  description: Type.String(),
  price: Type.Object({ amountMinor: Type.Integer(), currency: Type.String() }),
  stock: Type.Integer(),
  imageUrl: Type.String(),
  tags: Type.Array(Type.String()),
});

export type CatalogItem = Static<typeof CatalogItemSchema>;

export const CATALOG_ITEM_PATH = '/products/42';

export function catalogItem(id: string): CatalogItem {
  return {
    id,
    sku: `SKU-${id.padStart(6, '0')}`,
    name: 'Trail running shoe',
    description: 'Lightweight trail shoe with a grippy outsole and a breathable mesh upper.',
    price: { amountMinor: 12_999, currency: 'EUR' },
    stock: 17,
    imageUrl: `https://cdn.shop.local/products/${id}.jpg`,
    tags: ['running', 'shoes', 'trail'],
  };
}

/** The same route both Fastify contenders serve: validated params, serialized through its response schema. */
export const catalogItemRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/products/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,9}$' }) }),
        response: { 200: CatalogItemSchema },
      },
    },
    async (request) => catalogItem((request.params as { id: string }).id),
  );
};
