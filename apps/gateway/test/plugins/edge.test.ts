import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@shop/testing';
import supertest from 'supertest';
import { startGateway, type GatewayTestContext } from '../helper.ts';
import type { EchoBody } from '../support/upstream-stub.ts';

// What every request meets at the edge before any service: request ids, CORS, security headers, the
// checks of bodies, and load shedding.
let ctx: GatewayTestContext;
before(async () => {
  ctx = await startGateway({ WEB_ORIGIN: 'https://shop.example,http://localhost:3000' });
});
after(async () => {
  await ctx?.close();
});

const problem = /^application\/problem\+json/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  test('when the client sends a valid x-request-id, then it is returned and forwarded as is', async () => {
    const res = await ctx.http.get('/api/v1/products').set('x-request-id', 'web-7f3a:42').expect(200);
    assert.equal(res.headers['x-request-id'], 'web-7f3a:42');
    assert.equal((res.body as EchoBody).headers['x-request-id'], 'web-7f3a:42');
  });

  test('when the client sends none, or one that is too long or has odd characters, then a new one is created, returned and forwarded', async () => {
    for (const sent of [undefined, 'x'.repeat(200), 'has spaces and "quotes"']) {
      const request = ctx.http.get('/api/v1/products');
      const res = await (sent === undefined ? request : request.set('x-request-id', sent)).expect(200);
      assert.match(res.headers['x-request-id'] ?? '', UUID);
      assert.equal((res.body as EchoBody).headers['x-request-id'], res.headers['x-request-id']);
    }
  });

  test('when the gateway itself refuses a request, then its problem names the request id it returned', async () => {
    const res = await ctx.http.get('/api/v1/cart').set('x-request-id', 'web-401').expect(401);
    assert.equal(res.body.requestId, 'web-401');
  });
});

describe('CORS', () => {
  test('when the storefront origin sends a preflight, then it is allowed with the headers the API needs', async () => {
    const res = await ctx.http
      .options('/api/v1/orders')
      .set('origin', 'https://shop.example')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization, content-type, idempotency-key')
      .expect(204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example');
    assert.match(res.headers['access-control-allow-methods'] ?? '', /POST/);
    assert.match(res.headers['access-control-allow-headers'] ?? '', /authorization/);
    assert.match(res.headers['access-control-allow-headers'] ?? '', /idempotency-key/);
    assert.equal(ctx.stubs.order.seen.length, 0);
  });

  test('when another origin sends a preflight or a request, then no CORS header allows it', async () => {
    const preflight = await ctx.http
      .options('/api/v1/orders')
      .set('origin', 'https://evil.example')
      .set('access-control-request-method', 'POST');
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    const simple = await ctx.http.get('/api/v1/products').set('origin', 'https://evil.example').expect(200);
    assert.equal(simple.headers['access-control-allow-origin'], undefined);
  });

  test('when the storefront reads a response, then the id and rate-limit headers are exposed to it', async () => {
    const res = await ctx.http.get('/api/v1/products').set('origin', 'http://localhost:3000').expect(200);
    assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:3000');
    assert.match(res.headers['access-control-expose-headers'] ?? '', /x-request-id/);
    assert.match(res.headers['access-control-expose-headers'] ?? '', /ratelimit-remaining/);
  });
});

describe('security headers', () => {
  test('when anything is answered, then helmet headers are set (no sniffing, no framing, HSTS)', async () => {
    for (const res of [await ctx.http.get('/api/v1/products'), await ctx.http.get('/nowhere')]) {
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
      assert.match(res.headers['strict-transport-security'] ?? '', /max-age=/);
      assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    }
  });
});

describe('bad bodies', () => {
  test('when a body is malformed JSON, then 400 problem+json at the edge', async () => {
    const res = await ctx.http
      .post('/api/v1/auth/login')
      .set('content-type', 'application/json')
      .send('{"email": "a@b.c",');
    assert.equal(res.status, 400);
    assert.match(res.headers['content-type'] ?? '', problem);
    assert.equal(res.body.code, 'PLATFORM_ERR_MALFORMED_JSON');
    assert.equal(ctx.stubs.auth.seen.length, 0);
  });

  test('when a body is of a media type no service takes, then 415 problem+json', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await ctx.http.post('/api/v1/auth/register').set('content-type', type).send('a=b');
      assert.equal(res.status, 415, type);
      assert.match(res.headers['content-type'] ?? '', problem);
    }
  });

  test('when a body is larger than the route takes, then 413 problem+json and nothing is forwarded', async () => {
    const big = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(20 * 1024) });
    const login = await ctx.http.post('/api/v1/auth/login').set('content-type', 'application/json').send(big);
    assert.equal(login.status, 413);
    assert.match(login.headers['content-type'] ?? '', problem);
    const huge = JSON.stringify({ note: 'x'.repeat(1_100_000) });
    const order = await ctx.http
      .post('/api/v1/orders')
      .set(await ctx.auth.bearer(['customer']))
      .set('content-type', 'application/json')
      .send(huge);
    assert.equal(order.status, 413);
    assert.equal(ctx.stubs.auth.seen.length + ctx.stubs.order.seen.length, 0);
  });
});

describe('load shedding', () => {
  test('when the event loop lags past the threshold, then requests get 503 + Retry-After while /health still answers', async () => {
    const replica = await ctx.startReplica({ LOAD_SHED_EVENT_LOOP_DELAY_MS: '20' });
    const http = supertest(replica.server);
    await eventually(
      'a request shed while the loop is blocked',
      async () => {
        // Blocks this process's event loop (the replica's too) for a while, as a CPU-bound overload would.
        const until = Date.now() + 300;
        while (Date.now() < until);
        const res = await http.get('/api/v1/products');
        assert.equal(res.status, 503);
        assert.match(res.headers['content-type'] ?? '', problem);
        assert.equal(res.body.code, 'GATEWAY_ERR_OVERLOADED');
        assert.equal(res.headers['retry-after'], '5');
        await http.get('/health').expect(200);
      },
      { timeoutMs: 20_000 },
    );
  });
});
