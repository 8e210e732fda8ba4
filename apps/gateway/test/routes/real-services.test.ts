import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@shop/testing';
import type { OpenApiDocument } from '../../src/domain/merge-openapi.ts';
import { startGateway, type GatewayTestContext } from '../helper.ts';
import { ADMIN, startRealServices, type RealServices } from '../support/real-services.ts';

// The gateway in front of the real auth, product and order services, each its own process (payment stays a
// stub here): real tokens verified at the edge and again by the services, and their real documents.
let services: RealServices;
let ctx: GatewayTestContext;
before(async () => {
  services = await startRealServices();
  ctx = await startGateway({
    AUTH_SERVICE_URL: services.auth.url,
    PRODUCT_SERVICE_URL: services.product.url,
    ORDER_SERVICE_URL: services.order.url,
    AUTH_JWKS_URL: services.jwksUrl,
    AUTH_ISSUER: 'https://auth.shop.local',
    AUTH_AUDIENCE: 'shop-api',
  });
});
after(async () => {
  await ctx?.close();
  await services?.close();
});

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'];
const operationsOf = (document: OpenApiDocument) =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => METHODS.includes(method))
      .map((method) => `${method.toUpperCase()} ${path.length > 1 ? path.replace(/\/$/, '') : path}`),
  );

async function logIn(email: string, password: string): Promise<string> {
  const res = await ctx.http.post('/api/v1/auth/login').send({ email, password }).expect(200);
  return res.body.accessToken as string;
}

describe('through the gateway to the real services', () => {
  test('when a customer registers and logs in through the gateway, then the token it gets opens their account there', async () => {
    const email = `gw-${randomUUID()}@example.com`;
    const password = 'a long gateway passphrase';
    await ctx.http.post('/api/v1/auth/register').send({ email, password, name: 'Ada' }).expect(201);
    const token = await logIn(email, password);
    const me = await ctx.http.get('/api/v1/auth/me').set('authorization', `Bearer ${token}`).expect(200);
    assert.equal(me.body.email, email);
    const jwks = await ctx.http.get('/.well-known/jwks.json').expect(200);
    assert.ok(jwks.body.keys.length >= 1);
  });

  test("when the page asks for the refresh token as a cookie, then auth's Set-Cookie and the browser's Cookie pass the gateway as they are", async () => {
    const email = `gw-cookie-${randomUUID()}@example.com`;
    const signedUp = await ctx.http
      .post('/api/v1/auth/register')
      .send({ email, password: 'a long gateway passphrase', name: 'Ada', refreshTokenDelivery: 'cookie' })
      .expect(201);
    assert.equal(signedUp.body.refreshToken, undefined);
    const setCookie = ([] as string[]).concat(signedUp.headers['set-cookie'] ?? []);
    const cookie = setCookie.find((line) => line.startsWith('shop_refresh='));
    assert.ok(cookie, `no shop_refresh cookie through the gateway: ${JSON.stringify(setCookie)}`);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/api\/v1\/auth/);

    const pair = cookie.split(';')[0]!;
    const refreshed = await ctx.http.post('/api/v1/auth/refresh').set('cookie', pair).send({}).expect(200);
    assert.equal(refreshed.body.user.email, email);
    const rotated = ([] as string[]).concat(refreshed.headers['set-cookie'] ?? []);
    assert.ok(rotated.some((line) => line.startsWith('shop_refresh=') && !line.startsWith(pair)));
    // The old cookie is spent: presenting it again is a reuse, which auth can only see if it arrived.
    const reused = await ctx.http.post('/api/v1/auth/refresh').set('cookie', pair).send({}).expect(401);
    assert.equal(reused.body.code, 'AUTH_ERR_REFRESH_TOKEN_REUSED');
  });

  test('when an admin creates a product through the gateway, then anyone reads it there without a token and a customer puts it in their cart', async () => {
    const token = await logIn(ADMIN.email, ADMIN.password);
    const created = await ctx.http
      .post('/api/v1/products')
      .set('authorization', `Bearer ${token}`)
      .send({
        sku: `GW-${randomUUID().slice(0, 8).toUpperCase()}`,
        name: 'Gateway test kettle',
        category: 'kitchen',
        price: { amount: 2_999, currency: 'USD' },
        stock: 3,
      })
      .expect(201);
    const read = await ctx.http.get(`/api/v1/products/${created.body.id}`).expect(200);
    assert.equal(read.body.name, 'Gateway test kettle');
    // The order service prices the cart from the product service, behind the gateway's one token check.
    const shopper = await ctx.http
      .post('/api/v1/auth/register')
      .send({ email: `gw-${randomUUID()}@example.com`, password: 'a shopper gateway passphrase', name: 'Cy' })
      .expect(201);
    const asShopper = { authorization: `Bearer ${shopper.body.accessToken}` };
    await ctx.http
      .put(`/api/v1/cart/items/${created.body.id}`)
      .set(asShopper)
      .send({ quantity: 2 })
      .expect(200);
    const cart = await ctx.http.get('/api/v1/cart').set(asShopper).expect(200);
    assert.equal(JSON.stringify(cart.body).includes(created.body.id), true);
    await ctx.http.get('/api/v1/categories').expect(200);
    // The service checks the role itself too: a customer's valid token passes the edge and is refused there.
    const customer = await ctx.http
      .post('/api/v1/auth/register')
      .send({ email: `gw-${randomUUID()}@example.com`, password: 'another gateway passphrase', name: 'Bo' })
      .expect(201);
    const refused = await ctx.http
      .delete(`/api/v1/products/${created.body.id}`)
      .set('authorization', `Bearer ${customer.body.accessToken}`);
    assert.equal(refused.status, 403);
  });

  test("when a service's internal routes and metrics exist, then they answer directly but 404 through the gateway", async () => {
    const orderInternal = await fetch(`${services.order.url}/internal/v1/orders/${randomUUID()}`);
    assert.notEqual(orderInternal.status, 404);
    await ctx.http.get(`/internal/v1/orders/${randomUUID()}`).expect(404);
    const direct = await fetch(`${services.product.url}/internal/v1/products/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ids":[]}',
    });
    assert.notEqual(direct.status, 404);
    await ctx.http.post('/internal/v1/products/lookup').send({ ids: [] }).expect(404);
    assert.equal((await fetch(`${services.product.opsUrl}/metrics`)).status, 200);
    await ctx.http.get('/metrics').expect(404);
  });
});

describe('/docs', () => {
  test('when the services publish their documents, then /docs/json has every public route of each, no /internal path, and the gateway responses', async () => {
    const own = await Promise.all(
      [services.auth, services.product, services.order].map(
        async (service) => (await (await fetch(`${service.url}/openapi.json`)).json()) as OpenApiDocument,
      ),
    );
    const expected = own.flatMap(operationsOf).filter((operation) => !operation.includes(' /internal/'));
    assert.ok(expected.includes('POST /api/v1/auth/login'));
    assert.ok(expected.includes('GET /api/v1/products/{id}'));
    assert.ok(expected.includes('POST /api/v1/orders'));
    assert.ok(expected.includes('GET /api/v1/admin/orders/{id}'));

    const document = await eventually('the aggregated document has every service', async () => {
      const res = await ctx.http.get('/docs/json').expect(200);
      const merged = res.body as OpenApiDocument;
      for (const operation of expected) assert.ok(operationsOf(merged).includes(operation), operation);
      return merged;
    });
    assert.deepEqual(
      Object.keys(document.paths ?? {}).filter((path) => path.startsWith('/internal')),
      [],
    );
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    assert.ok(paths['/api/v1/products']!['get']!.responses['429']);
    assert.equal(paths['/api/v1/products']!['get']!.responses['401'], undefined);
    assert.ok(paths['/api/v1/auth/me']!['get']!.responses['401']);
    assert.ok(paths['/api/v1/products']!['post']!.responses['503']);

    const page = await ctx.http.get('/docs/').expect(200);
    assert.match(page.headers['content-type'] ?? '', /text\/html/);
  });
});
