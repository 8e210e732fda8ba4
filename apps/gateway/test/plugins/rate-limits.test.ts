import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import supertest from 'supertest';
import { startGateway, type GatewayTestContext } from '../helper.ts';

// Limits counted in the real Redis. TRUST_PROXY lets each test speak as a client address of its own
// (X-Forwarded-For from 127.0.0.1 is believed), so the tests' counters never meet.
let ctx: GatewayTestContext;
before(async () => {
  ctx = await startGateway({
    TRUST_PROXY: '127.0.0.1',
    RATE_LIMIT_PER_IP: '6',
    RATE_LIMIT_PER_USER: '4',
    RATE_LIMIT_LOGIN: '2',
    RATE_LIMIT_REGISTER: '1',
    RATE_LIMIT_CHECKOUT: '2',
    RATE_LIMIT_WINDOW_SECONDS: '600',
  });
});
after(async () => {
  await ctx?.close();
});

let addresses = 0;
const newClient = () => `203.0.113.${(addresses += 1)}`;
const problem = /^application\/problem\+json/;

function assertRateLimited(res: supertest.Response, limit: number): void {
  assert.equal(res.status, 429);
  assert.match(res.headers['content-type'] ?? '', problem);
  assert.equal(res.body.code, 'GATEWAY_ERR_RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 600, `Retry-After ${res.headers['retry-after']}`);
  assert.equal(res.headers['ratelimit-limit'], String(limit));
  assert.equal(res.headers['ratelimit-remaining'], '0');
  assert.equal(res.headers['ratelimit-reset'], res.headers['retry-after']);
}

describe('rate limits', () => {
  test('when one address sends more than its limit, then the extra requests get 429 with Retry-After and RateLimit headers, and another address is unaffected', async () => {
    const client = newClient();
    for (let i = 1; i <= 6; i += 1) {
      const res = await ctx.http.get('/api/v1/products').set('x-forwarded-for', client).expect(200);
      assert.equal(res.headers['ratelimit-limit'], '6');
      assert.equal(res.headers['ratelimit-remaining'], String(6 - i));
    }
    assertRateLimited(await ctx.http.get('/api/v1/products').set('x-forwarded-for', client), 6);
    await ctx.http.get('/api/v1/products').set('x-forwarded-for', newClient()).expect(200);
    assert.equal(ctx.stubs.product.seen.filter((r) => r.headers['x-forwarded-for'] === client).length, 6);
    const metrics = (await ctx.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /gateway_rate_limited_total\{limit="ip",service="gateway"\} [1-9]/);
  });

  test('when a second gateway replica shares the Redis, then it counts against the same limit', async () => {
    const replica = await ctx.startReplica();
    const client = newClient();
    for (let i = 0; i < 3; i += 1) {
      await ctx.http.get('/api/v1/categories').set('x-forwarded-for', client).expect(200);
      await supertest(replica.server).get('/api/v1/categories').set('x-forwarded-for', client).expect(200);
    }
    assertRateLimited(
      await supertest(replica.server).get('/api/v1/categories').set('x-forwarded-for', client),
      6,
    );
  });

  test('when one user exceeds the per-user limit, then that user gets 429 from any address while another user is served', async () => {
    const [one, other] = [
      await ctx.auth.bearer(['customer'], { subject: randomUUID() }),
      await ctx.auth.bearer(['customer'], { subject: randomUUID() }),
    ];
    for (let i = 0; i < 4; i += 1) {
      await ctx.http.get('/api/v1/cart').set(one).set('x-forwarded-for', newClient()).expect(200);
    }
    assertRateLimited(await ctx.http.get('/api/v1/cart').set(one).set('x-forwarded-for', newClient()), 4);
    await ctx.http.get('/api/v1/cart').set(other).set('x-forwarded-for', newClient()).expect(200);
  });

  test('when an address tries to log in more often than the login limit, then logins get 429 while its other requests still pass', async () => {
    const client = newClient();
    for (let i = 0; i < 2; i += 1) {
      await ctx.http.post('/api/v1/auth/login').set('x-forwarded-for', client).send({}).expect(200);
    }
    const refused = await ctx.http.post('/api/v1/auth/login').set('x-forwarded-for', client).send({});
    assertRateLimited(refused, 2);
    await ctx.http.get('/api/v1/products').set('x-forwarded-for', client).expect(200);
    // Register has its own, stricter counter.
    await ctx.http.post('/api/v1/auth/register').set('x-forwarded-for', client).send({}).expect(200);
    assertRateLimited(
      await ctx.http.post('/api/v1/auth/register').set('x-forwarded-for', client).send({}),
      1,
    );
  });

  test('when a user checks out more often than the checkout limit, then checkouts get 429 while reading orders still works', async () => {
    const user = await ctx.auth.bearer(['customer'], { subject: randomUUID() });
    await ctx.http.post('/api/v1/orders').set(user).set('x-forwarded-for', newClient()).send({}).expect(200);
    await ctx.http
      .post('/api/v1/payments')
      .set(user)
      .set('x-forwarded-for', newClient())
      .send({})
      .expect(200);
    assertRateLimited(
      await ctx.http.post('/api/v1/orders').set(user).set('x-forwarded-for', newClient()).send({}),
      2,
    );
    await ctx.http.get('/api/v1/orders').set(user).set('x-forwarded-for', newClient()).expect(200);
  });
});

describe('rate limits without Redis', () => {
  test('when the Redis is down, then requests are let through uncounted instead of failing', async () => {
    const replica = await ctx.startReplica({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_IP: '1' });
    const client = newClient();
    for (let i = 0; i < 3; i += 1) {
      const res = await supertest(replica.server).get('/api/v1/products').set('x-forwarded-for', client);
      assert.equal(res.status, 200);
      assert.equal(res.headers['ratelimit-limit'], undefined);
    }
  });

  test('when no Redis is configured (the embedded start), then the limits count in the process', async () => {
    const replica = await ctx.startReplica({ REDIS_URL: '', RATE_LIMIT_PER_IP: '1' });
    const client = newClient();
    await supertest(replica.server).get('/api/v1/products').set('x-forwarded-for', client).expect(200);
    assertRateLimited(
      await supertest(replica.server).get('/api/v1/products').set('x-forwarded-for', client),
      1,
    );
  });
});
