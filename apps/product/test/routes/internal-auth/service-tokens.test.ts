import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SERVICE_CALLS, SERVICE_SCOPES } from '@shop/contracts';
import { createTestSigningKey } from '@shop/testing';
import { createProduct, problemType, startProduct, type ProductTestContext } from '../../helper.ts';

const ALL_SCOPES = Object.keys(SERVICE_SCOPES.product);

/** Every internal route of product, with the scope it requires and a request that would succeed. */
function internalRoutes(productId: string) {
  const order = randomUUID();
  return [
    {
      scope: 'products:lookup',
      method: 'post',
      url: '/internal/v1/products/lookup',
      body: { ids: [productId] },
    },
    {
      scope: 'inventory:reserve',
      method: 'put',
      url: `/internal/v1/inventory/reservations/${order}`,
      body: { items: [{ productId, quantity: 1 }] },
    },
    { scope: 'inventory:read', method: 'get', url: `/internal/v1/inventory/reservations/${order}` },
    { scope: 'inventory:commit', method: 'post', url: `/internal/v1/inventory/reservations/${order}/commit` },
    {
      scope: 'inventory:release',
      method: 'post',
      url: `/internal/v1/inventory/reservations/${order}/release`,
    },
    { scope: 'inventory:read', method: 'get', url: `/internal/v1/inventory/stock/${productId}` },
  ] as const;
}

describe('service tokens on the internal routes of product', () => {
  let ctx: ProductTestContext;
  let productId: string;
  before(async () => {
    ctx = await startProduct();
    productId = (await createProduct(ctx, { stock: 5 })).id;
  });
  after(() => ctx.close());

  const send = (route: ReturnType<typeof internalRoutes>[number], headers: Record<string, string>) => {
    const request = ctx.http[route.method](route.url).set(headers);
    return 'body' in route ? request.send(route.body) : request;
  };
  const stock = async () =>
    (await ctx.http.get(`/internal/v1/inventory/stock/${productId}`).set(ctx.asService).expect(200)).body;

  test('when no token is sent, then every internal route answers 401 with a Bearer challenge', async () => {
    for (const route of internalRoutes(productId)) {
      const res = await send(route, {});
      assert.equal(res.status, 401, route.url);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.match(res.headers['content-type'] ?? '', problemType);
    }
  });

  test("when a customer's or an admin's access token is sent, then every internal route answers 403", async () => {
    for (const route of internalRoutes(productId)) {
      for (const headers of [ctx.asCustomer, ctx.asAdmin]) {
        const res = await send(route, headers);
        assert.equal(res.status, 403, `${route.url}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'PLATFORM_ERR_FORBIDDEN');
      }
    }
    assert.deepEqual(await stock(), { productId, available: 5, reserved: 0 }, 'nothing was reserved');
  });

  test('when the service token was issued for another service, then 401 invalid_token', async () => {
    const forOrder = { authorization: `Bearer ${await ctx.auth.serviceToken('order', 'order', ALL_SCOPES)}` };
    for (const route of internalRoutes(productId)) {
      const res = await send(route, forOrder);
      assert.equal(res.status, 401, route.url);
      assert.match(res.headers['www-authenticate'] ?? '', /invalid_token/);
    }
  });

  test("when the service token lacks the route's scope, then 403 insufficient_scope naming it, and nothing changes", async () => {
    for (const route of internalRoutes(productId)) {
      const others = ALL_SCOPES.filter((scope) => scope !== route.scope);
      const res = await send(route, await ctx.auth.serviceBearer('order', 'product', others));
      assert.equal(res.status, 403, route.url);
      assert.equal(
        res.headers['www-authenticate'],
        `Bearer error="insufficient_scope", scope="${route.scope}"`,
      );
    }
    assert.deepEqual(await stock(), { productId, available: 5, reserved: 0 });
  });

  test('when the order service calls with exactly its grants, then its calls pass and the others are refused', async () => {
    const asOrder = await ctx.auth.serviceBearer('order', 'product');
    const granted: readonly string[] = SERVICE_CALLS.order.product;
    for (const route of internalRoutes(productId)) {
      const res = await send(route, asOrder);
      if (granted.includes(route.scope)) assert.ok(res.status < 400, `${route.url}: ${res.status}`);
      else assert.equal(res.status, 403, `${route.url} needs ${route.scope}, which order is not granted`);
    }
  });

  test('when the service token has expired or is signed by another key, then 401', async () => {
    const expired = await ctx.auth.serviceToken('order', 'product', ALL_SCOPES, {
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    const foreign = await createTestSigningKey({
      issuer: ctx.auth.issuer,
      audience: 'product',
      kid: ctx.auth.key.kid,
    });
    const forged = await foreign.sign(
      { client_id: 'order', scope: ALL_SCOPES.join(' ') },
      { subject: 'svc:order' },
    );
    for (const token of [expired, forged]) {
      const res = await send(internalRoutes(productId)[0], { authorization: `Bearer ${token}` });
      assert.equal(res.status, 401);
    }
  });

  test('when a service token is sent to a customer route, then it is refused', async () => {
    const res = await ctx.http
      .post('/api/v1/products')
      .set(ctx.asService)
      .send({ sku: 'SVC-1', name: 'x', category: 'c', price: { amount: 1, currency: 'USD' } });
    assert.equal(res.status, 401);
  });
});
