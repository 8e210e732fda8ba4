import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { Type } from 'typebox';
import { adjustStock } from '../../domain/adjust-stock.ts';
import { createProduct } from '../../domain/create-product.ts';
import { deleteProduct } from '../../domain/delete-product.ts';
import { getProduct } from '../../domain/get-product.ts';
import { listProducts } from '../../domain/list-products.ts';
import type { ProductDeps } from '../../domain/ports.ts';
import { updateProduct } from '../../domain/update-product.ts';
import {
  CreateProductBody,
  ListQuery,
  ProductIdParams,
  ProductPageView,
  ProductView,
  StockAdjustmentBody,
  StockLevelView,
  UpdateProductBody,
} from './products.schemas.ts';

const tags = ['products'];
const admin = [{ bearerAuth: [] }];

export const productRoutes: FastifyPluginAsyncTypebox<{ deps: ProductDeps }> = async (app, { deps }) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Browse and search the catalog: full-text search, filters, sort, cursor pagination',
        querystring: ListQuery,
        response: { 200: ProductPageView, ...problemResponses(400) },
      },
    },
    async (request) => listProducts(deps, request.query),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One product (served from the cache)',
        params: ProductIdParams,
        response: { 200: ProductView, ...problemResponses(400, 404) },
      },
    },
    async (request) => getProduct(deps, request.params.id),
  );

  app.post(
    '/',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        tags,
        summary: 'Add a product (admin)',
        security: admin,
        body: CreateProductBody,
        response: { 201: ProductView, ...problemResponses(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { stock, description, imageUrl, attributes, active, ...rest } = request.body;
      const product = await createProduct(deps, {
        ...rest,
        description: description ?? '',
        imageUrl: imageUrl ?? null,
        attributes: attributes ?? {},
        active: active ?? true,
        initialStock: stock ?? 0,
      });
      return reply.code(201).header('location', `/api/v1/products/${product.id}`).send(product);
    },
  );

  app.patch(
    '/:id',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        tags,
        summary: 'Change a product (admin); refused with 409 if it changed since the version you send',
        security: admin,
        params: ProductIdParams,
        body: UpdateProductBody,
        response: { 200: ProductView, ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { version, ...changes } = request.body;
      return updateProduct(deps, request.params.id, version, changes);
    },
  );

  app.delete(
    '/:id',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        tags,
        summary: 'Remove a product from the catalog (admin; a soft delete, repeatable)',
        security: admin,
        params: ProductIdParams,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteProduct(deps, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/stock-adjustments',
    {
      onRequest: app.requireRole('admin'),
      schema: {
        tags,
        summary: 'Add or remove available units (admin): a delivery or a stock count',
        security: admin,
        params: ProductIdParams,
        body: StockAdjustmentBody,
        response: { 200: StockLevelView, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => adjustStock(deps, request.params.id, request.body.delta),
  );
};
