import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeOpenApi, type OpenApiDocument } from '../../src/domain/merge-openapi.ts';
import { routeFor } from '../../src/domain/route-table.ts';

const problem = { type: 'object', properties: { code: { type: 'string' } } };
const ok = (ref: string) => ({
  200: {
    description: 'ok',
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
  },
});

const order: OpenApiDocument = {
  openapi: '3.1.0',
  tags: [{ name: 'orders' }],
  paths: {
    '/api/v1/orders/': { post: { responses: ok('Order') }, get: { responses: ok('Order') } },
    '/internal/v1/orders/{id}': { get: { responses: ok('Order') } },
    // Published by order, but routed to product: never listed under order's name.
    '/api/v1/products': { get: { responses: {} } },
  },
  components: { schemas: { Problem: problem, Order: { type: 'object', title: 'order' } } },
};
const payment: OpenApiDocument = {
  openapi: '3.1.0',
  tags: [{ name: 'payments' }, { name: 'orders' }],
  paths: {
    '/api/v1/payments/webhooks/{provider}': { post: { responses: {} } },
    '/api/v1/payments/{id}': { get: { responses: ok('Order') } },
  },
  components: { schemas: { Problem: problem, Order: { type: 'object', title: 'a payment order' } } },
};

const merged = mergeOpenApi(
  { order, payment },
  { info: { title: 't', version: '1' }, problemSchema: problem },
);
type Ops = Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
const paths = merged.paths as Ops;

test('when services publish their documents, then only the routes the gateway sends them are kept, never /internal', () => {
  assert.deepEqual(Object.keys(paths).sort(), [
    '/api/v1/orders',
    '/api/v1/payments/webhooks/{provider}',
    '/api/v1/payments/{id}',
  ]);
  assert.deepEqual(Object.keys(paths['/api/v1/orders']!).sort(), ['get', 'post']);
});

test('when a route needs a token, then 401 and the bearer scheme are added; every route gets 429, 503 and 504', () => {
  const checkout = paths['/api/v1/orders']!['post']!;
  assert.deepEqual(Object.keys(checkout.responses).sort(), ['200', '401', '429', '503', '504']);
  assert.deepEqual(checkout.security, [{ bearerAuth: [] }]);
  const webhook = paths['/api/v1/payments/webhooks/{provider}']!['post']!;
  assert.equal(webhook.responses['401'], undefined);
  assert.equal(webhook.security, undefined);
  assert.ok(webhook.responses['429']);
});

test('when two services name different schemas alike, then the later one is renamed and its references follow', () => {
  const schemas = merged.components!.schemas!;
  assert.deepEqual(schemas['Order'], { type: 'object', title: 'order' });
  assert.deepEqual(schemas['payment_Order'], { type: 'object', title: 'a payment order' });
  assert.equal(Object.keys(schemas).filter((name) => name.includes('Problem')).length, 1);
  const paymentRef = JSON.stringify(paths['/api/v1/payments/{id}']!['get']!.responses['200']);
  assert.match(paymentRef, /#\/components\/schemas\/payment_Order/);
  const orderRef = JSON.stringify(paths['/api/v1/orders']!['get']!.responses['200']);
  assert.match(orderRef, /#\/components\/schemas\/Order"/);
  assert.deepEqual(
    merged.tags!.map((tag) => tag.name),
    ['orders', 'payments'],
  );
});

test('when a path is looked up in the route table, then the most specific route wins as in Fastify', () => {
  assert.equal(routeFor('POST', '/api/v1/payments/webhooks/sandbox')?.access, 'public');
  assert.equal(routeFor('GET', '/api/v1/payments/webhooks/sandbox')?.access, 'token');
  assert.equal(routeFor('POST', '/api/v1/auth/login')?.limit, 'login');
  assert.equal(routeFor('GET', '/api/v1/auth/me')?.access, 'token');
  assert.equal(routeFor('HEAD', '/api/v1/products/{id}')?.access, 'public');
  assert.equal(routeFor('DELETE', '/api/v1/products/{id}')?.access, 'token');
  assert.equal(routeFor('GET', '/api/v1/admin/orders')?.upstream, 'order');
  assert.equal(routeFor('GET', '/api/v1/admin/products/{id}')?.upstream, 'product');
  assert.equal(routeFor('GET', '/internal/v1/orders/{id}'), undefined);
  assert.equal(routeFor('GET', '/api/v1/productsX'), undefined);
});
