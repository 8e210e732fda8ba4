import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createTestSigningKey } from '@shop/testing';
import { startGateway, UPSTREAMS, type GatewayTestContext } from '../helper.ts';
import { echo, type EchoBody } from '../support/upstream-stub.ts';

// The route table through HTTP against four echoing stubs: which service each path reaches, what reaches
// it (and what never does), and who may call it without a token.
let ctx: GatewayTestContext;
before(async () => {
  ctx = await startGateway();
});
after(async () => {
  await ctx?.close();
});
beforeEach(() => {
  for (const name of UPSTREAMS) {
    ctx.stubs[name].seen.length = 0;
    ctx.stubs[name].behave(echo(name));
  }
});

const problem = /^application\/problem\+json/;
const customer = () => ctx.auth.bearer(['customer']);
const echoed = (body: unknown) => body as EchoBody;

describe('routing', () => {
  const families: [method: string, path: string, upstream: string][] = [
    ['POST', '/api/v1/auth/login', 'auth'],
    ['POST', '/api/v1/auth/register', 'auth'],
    ['POST', '/api/v1/auth/refresh', 'auth'],
    ['POST', '/api/v1/auth/logout', 'auth'],
    ['GET', '/api/v1/auth/me', 'auth'],
    ['GET', '/.well-known/jwks.json', 'auth'],
    ['GET', '/api/v1/products?limit=5&category=books', 'product'],
    ['GET', `/api/v1/products/${randomUUID()}`, 'product'],
    ['POST', '/api/v1/products', 'product'],
    ['PATCH', `/api/v1/products/${randomUUID()}`, 'product'],
    ['POST', `/api/v1/products/${randomUUID()}/stock-adjustments`, 'product'],
    ['GET', '/api/v1/categories', 'product'],
    ['GET', '/api/v1/admin/products', 'product'],
    ['GET', `/api/v1/admin/products/${randomUUID()}`, 'product'],
    ['GET', '/api/v1/cart', 'order'],
    ['PUT', `/api/v1/cart/items/${randomUUID()}`, 'order'],
    ['DELETE', '/api/v1/cart', 'order'],
    ['POST', '/api/v1/orders', 'order'],
    ['GET', '/api/v1/orders', 'order'],
    ['POST', `/api/v1/orders/${randomUUID()}/cancel`, 'order'],
    ['GET', '/api/v1/admin/orders', 'order'],
    ['GET', `/api/v1/admin/orders/${randomUUID()}`, 'order'],
    ['POST', '/api/v1/payments', 'payment'],
    ['GET', `/api/v1/payments/${randomUUID()}`, 'payment'],
    ['POST', `/api/v1/payments/${randomUUID()}/refunds`, 'payment'],
    ['POST', '/api/v1/payments/webhooks/sandbox', 'payment'],
  ];
  for (const [method, path, upstream] of families) {
    test(`when ${method} ${path.replace(/[0-9a-f-]{36}/, ':id')} is called, then the ${upstream} service answers it with the same method, path and query`, async () => {
      const request = ctx.http[method.toLowerCase() as 'get'](path).set(await customer());
      const res = await (method === 'GET' || method === 'DELETE' ? request : request.send({ a: 1 })).expect(
        200,
      );
      assert.equal(echoed(res.body).upstream, upstream);
      assert.equal(echoed(res.body).method, method);
      assert.equal(echoed(res.body).url, path);
    });
  }

  test('when a path is internal, operational or unknown, then the gateway answers 404 and no service sees it', async () => {
    const unreachable = [
      '/internal/v1/products/lookup',
      '/internal/v1/inventory/stock/1',
      '/internal/v1/orders/1',
      '/metrics',
      '/openapi.json/../internal/v1/orders/1',
      '/api/v1/productsX',
      '/api/v1/admin/users',
      '/api/v2/products',
    ];
    for (const path of unreachable) {
      const res = await ctx.http.get(path).set(await customer());
      assert.equal(res.status, 404, path);
      assert.match(res.headers['content-type'] ?? '', problem, path);
    }
    await ctx.http
      .post('/internal/v1/products/lookup')
      .set(await customer())
      .send({})
      .expect(404);
    assert.deepEqual(
      UPSTREAMS.flatMap((name) => ctx.stubs[name].seen),
      [],
    );
  });

  test("when a service answers an error, then the client gets the service's status, headers and body unchanged", async () => {
    ctx.stubs.product.behave((_request, response) => {
      response
        .writeHead(404, { 'content-type': 'application/problem+json', 'x-product-hint': 'gone' })
        .end('{"code":"PRODUCT_ERR_NOT_FOUND"}');
    });
    const res = await ctx.http.get(`/api/v1/products/${randomUUID()}`).expect(404);
    assert.match(res.headers['content-type'] ?? '', problem);
    assert.equal(res.headers['x-product-hint'], 'gone');
    assert.equal(res.text, '{"code":"PRODUCT_ERR_NOT_FOUND"}');
  });

  test('when a service answers small or large, sized or streamed, then the client gets every byte, and no hop-by-hop header of the service', async () => {
    const large = 'x'.repeat(600 * 1024);
    ctx.stubs.product.behave((request, response) => {
      if (request.url.endsWith('/small')) {
        return void response
          .writeHead(200, {
            'content-type': 'application/json',
            'content-length': '14',
            'keep-alive': 'timeout=5',
          })
          .end('{"small":true}');
      }
      response.writeHead(200, { 'content-type': 'text/plain' });
      // No content-length: a chunked answer, streamed through.
      response.write(large.slice(0, 1000));
      setTimeout(() => response.end(large.slice(1000)), 20);
    });
    const small = await ctx.http.get('/api/v1/products/small').expect(200);
    assert.deepEqual(small.body, { small: true });
    assert.equal(small.headers['content-length'], '14');
    assert.equal(small.headers['keep-alive'], undefined);
    const streamed = await ctx.http.get('/api/v1/products/large').expect(200);
    assert.equal(streamed.text.length, large.length);
  });

  test('when a webhook is posted, then the service receives the exact bytes the provider signed', async () => {
    const raw = '{ "id":"evt_1",  "amount": 1999, "note":"spaced \\u00e9 as sent" }';
    const res = await ctx.http
      .post('/api/v1/payments/webhooks/sandbox')
      .set('content-type', 'application/json')
      .set('sandbox-signature', 't=1,v1=abc')
      .send(raw)
      .expect(200);
    assert.equal(echoed(res.body).body, raw);
    assert.equal(echoed(res.body).headers['sandbox-signature'], 't=1,v1=abc');
  });
});

describe('edge authentication', () => {
  const protectedRoutes: [string, string][] = [
    ['GET', '/api/v1/auth/me'],
    ['POST', '/api/v1/products'],
    ['DELETE', `/api/v1/products/${randomUUID()}`],
    ['GET', '/api/v1/admin/products'],
    ['GET', '/api/v1/cart'],
    ['POST', '/api/v1/orders'],
    ['GET', '/api/v1/orders'],
    ['GET', '/api/v1/admin/orders'],
    ['POST', '/api/v1/payments'],
    ['GET', `/api/v1/payments/${randomUUID()}`],
  ];

  test('when a protected route is called without a token, then 401 problem+json at the edge and no service sees it', async () => {
    for (const [method, path] of protectedRoutes) {
      const res = await ctx.http[method.toLowerCase() as 'get'](path);
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.match(res.headers['content-type'] ?? '', problem);
      assert.equal(res.body.code, 'PLATFORM_ERR_UNAUTHORIZED');
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    }
    assert.deepEqual(
      UPSTREAMS.flatMap((name) => ctx.stubs[name].seen),
      [],
    );
  });

  test('when a token is forged, expired, for another issuer or audience, or signed by a foreign key, then 401', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    const claims = {
      sub: randomUUID(),
      iss: ctx.auth.issuer,
      aud: ctx.auth.audience,
      roles: ['admin'],
      jti: randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    const unsigned = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const sameKidOtherKey = await createTestSigningKey({
      issuer: ctx.auth.issuer,
      audience: ctx.auth.audience,
      kid: ctx.auth.key.kid,
    });
    const unknownKey = await createTestSigningKey({ issuer: ctx.auth.issuer, audience: ctx.auth.audience });
    const tokens = {
      'alg none': unsigned,
      expired: await ctx.auth.token(['customer'], { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      'wrong issuer': await ctx.auth.token(['customer'], { issuer: 'https://auth.attacker.example' }),
      'wrong audience': await ctx.auth.token(['customer'], { audience: 'another-api' }),
      'id token type': await ctx.auth.token(['customer'], { typ: 'JWT' }),
      'foreign key, trusted kid': await sameKidOtherKey.sign({ roles: ['admin'] }),
      'foreign key, unknown kid': await unknownKey.sign({ roles: ['admin'] }),
      garbage: 'not.a.jwt',
    };
    for (const [what, token] of Object.entries(tokens)) {
      const res = await ctx.http.get('/api/v1/orders').set('authorization', `Bearer ${token}`);
      assert.equal(res.status, 401, what);
      assert.match(res.headers['content-type'] ?? '', problem, what);
    }
    assert.deepEqual(ctx.stubs.order.seen, []);
  });

  test('when a valid token is sent, then the request and its Authorization header reach the service', async () => {
    const bearer = await customer();
    const res = await ctx.http.get('/api/v1/orders').set(bearer).expect(200);
    assert.equal(echoed(res.body).headers['authorization'], bearer.authorization);
  });

  test('when a public route is called without a token, then it reaches its service', async () => {
    const publicRoutes: [string, string][] = [
      ['GET', '/api/v1/products'],
      ['GET', `/api/v1/products/${randomUUID()}`],
      ['HEAD', '/api/v1/products'],
      ['GET', '/api/v1/categories'],
      ['GET', '/.well-known/jwks.json'],
      ['POST', '/api/v1/auth/register'],
      ['POST', '/api/v1/auth/login'],
      ['POST', '/api/v1/auth/refresh'],
      ['POST', '/api/v1/auth/logout'],
      ['POST', '/api/v1/payments/webhooks/sandbox'],
    ];
    for (const [method, path] of publicRoutes) {
      const request = ctx.http[method.toLowerCase() as 'get'](path);
      const res = await (method === 'POST' ? request.send({}) : request);
      assert.equal(res.status, 200, `${method} ${path}`);
    }
    assert.equal(ctx.stubs.product.seen.at(2)?.method, 'HEAD');
  });

  test('when a client sends identity or client-address headers, then none reaches the service and the gateway names the client itself', async () => {
    const forged = {
      'x-user-id': randomUUID(),
      'x-user-roles': 'admin',
      'x-user-email': 'admin@shop.local',
      'x-internal-token': 'guessed-internal-token-0123456789abcdef',
      'x-forwarded-user': 'admin',
      'x-forwarded-for': '10.0.0.1',
      'x-forwarded-host': 'internal.shop',
      'x-real-ip': '10.0.0.2',
      forwarded: 'for=10.0.0.3',
      'x-authenticated-userid': 'admin',
      'x-auth-request-user': 'admin',
      'x-caller-id': 'admin',
      'x-service-name': 'order',
      'x-remote-user': 'admin',
      'x-consumer-id': 'admin',
    };
    for (const path of ['/api/v1/products', '/api/v1/orders']) {
      const res = await ctx.http
        .get(path)
        .set(await customer())
        .set(forged)
        .expect(200);
      const headers = echoed(res.body).headers;
      for (const name of Object.keys(forged).filter(
        (n) => n !== 'x-forwarded-for' && n !== 'x-forwarded-host',
      )) {
        assert.equal(headers[name], undefined, `${name} reached the service on ${path}`);
      }
      // No TRUST_PROXY here: the peer is the client, whatever it claims.
      assert.equal(headers['x-forwarded-for'], '127.0.0.1');
      assert.notEqual(headers['x-forwarded-host'], 'internal.shop');
      assert.equal(headers['x-forwarded-proto'], 'http');
    }
  });
});
