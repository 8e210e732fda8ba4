import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { eventually } from '@shop/testing';
import { startGateway, UPSTREAMS, type GatewayTestContext } from '../helper.ts';
import { echo } from '../support/upstream-stub.ts';

// Upstreams that fail, hang or go away, behind breakers tuned to open after 3 failures for 300 ms.
let ctx: GatewayTestContext;
before(async () => {
  ctx = await startGateway({
    BREAKER_CONSECUTIVE_FAILURES: '3',
    BREAKER_HALF_OPEN_AFTER_MS: '300',
    UPSTREAM_TIMEOUT_MS: '300',
    UPSTREAM_RETRIES: '1',
  });
});
after(async () => {
  await ctx?.close();
});
beforeEach(async () => {
  for (const name of UPSTREAMS) {
    await ctx.stubs[name].start();
    ctx.stubs[name].behave(echo(name));
  }
  // Each test starts with closed breakers: let any open one half-open, and close it with a success.
  await eventually('every breaker closed', async () => {
    for (const path of ['/api/v1/products', '/.well-known/jwks.json']) {
      assert.equal((await ctx.http.get(path)).status, 200);
    }
    for (const path of ['/api/v1/cart', '/api/v1/payments/x']) {
      assert.equal((await ctx.http.get(path).set(await ctx.auth.bearer(['customer']))).status, 200);
    }
  });
  for (const name of UPSTREAMS) ctx.stubs[name].seen.length = 0;
});

const problem = /^application\/problem\+json/;

describe('an upstream that is down', () => {
  test('when it stops, then 503 problem+json; after the breaker opens, 503 without calling it; once it returns, requests pass again', async () => {
    await ctx.stubs.product.stop();
    for (let i = 0; i < 3; i += 1) {
      const res = await ctx.http.get('/api/v1/products');
      assert.equal(res.status, 503);
      assert.match(res.headers['content-type'] ?? '', problem);
      assert.equal(res.body.code, 'GATEWAY_ERR_UPSTREAM_UNAVAILABLE');
      assert.equal(res.body.upstream, 'product');
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
    const open = await ctx.http.get('/api/v1/products');
    assert.equal(open.status, 503);
    assert.equal(open.body.code, 'GATEWAY_ERR_CIRCUIT_OPEN');
    assert.equal(open.headers['retry-after'], '1');
    const metrics = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /gateway_upstream_circuit_state\{upstream="product",service="gateway"\} 1/);
    assert.match(metrics, /gateway_upstream_circuit_state\{upstream="auth",service="gateway"\} 0/);

    // The other upstreams' breakers are their own.
    await ctx.http.get('/.well-known/jwks.json').expect(200);

    await ctx.stubs.product.start();
    const seenWhileOpen = ctx.stubs.product.seen.length;
    assert.equal(seenWhileOpen, 0);
    await eventually('the product breaker lets requests through again', async () => {
      assert.equal((await ctx.http.get('/api/v1/products')).status, 200);
    });
    await ctx.http.get('/api/v1/products/1').expect(200);
  });

  test('when it answers 5xx, then the client gets its answer, and after 3 in a row the breaker opens', async () => {
    ctx.stubs.order.behave((_request, response) => {
      response.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"code":"ORDER_ERR_X"}');
    });
    const bearer = await ctx.auth.bearer(['customer']);
    for (let i = 0; i < 3; i += 1) {
      const res = await ctx.http.get('/api/v1/orders').set(bearer);
      assert.equal(res.status, 500);
      assert.equal(res.text, '{"code":"ORDER_ERR_X"}');
    }
    const open = await ctx.http.get('/api/v1/orders').set(bearer);
    assert.equal(open.status, 503);
    assert.equal(open.body.code, 'GATEWAY_ERR_CIRCUIT_OPEN');
    assert.equal(ctx.stubs.order.seen.length, 3);
  });
});

describe('an upstream that is slow', () => {
  test('when it does not answer within the route timeout, then 504 problem+json', async () => {
    ctx.stubs.product.behave((_request, response) => {
      setTimeout(() => response.writeHead(200).end('{}'), 1_500).unref();
    });
    const res = await ctx.http.get('/api/v1/products');
    assert.equal(res.status, 504);
    assert.match(res.headers['content-type'] ?? '', problem);
    assert.equal(res.body.code, 'GATEWAY_ERR_UPSTREAM_TIMEOUT');
  });
});

describe('retries', () => {
  // Drops the connection of the first request it sees, answers the rest.
  const dropFirst = (name: string) => {
    let dropped = false;
    return (
      request: Parameters<ReturnType<typeof echo>>[0],
      response: Parameters<ReturnType<typeof echo>>[1],
    ) => {
      if (dropped) return echo(name)(request, response);
      dropped = true;
      response.socket?.destroy();
    };
  };

  test('when the connection of a GET fails before any answer, then it is retried and succeeds', async () => {
    ctx.stubs.product.behave(dropFirst('product'));
    await ctx.http.get(`/api/v1/products/${randomUUID()}`).expect(200);
    assert.equal(ctx.stubs.product.seen.length, 2);
  });

  test('when the connection of a POST fails, then it is not retried (it may have taken effect) and the client gets 503', async () => {
    ctx.stubs.order.behave(dropFirst('order'));
    const res = await ctx.http
      .post('/api/v1/orders')
      .set(await ctx.auth.bearer(['customer']))
      .send({ items: [] });
    assert.equal(res.status, 503);
    assert.match(res.headers['content-type'] ?? '', problem);
    assert.equal(ctx.stubs.order.seen.length, 1);
  });
});
