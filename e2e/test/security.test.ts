import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestSigningKey, stopAllServers } from '@shop/testing';
import { Shop, SHIPPING_ADDRESS, type Account, type Answer } from '../support/shop-client.ts';
import { startShopSystem, type ShopSystem } from '../support/system.ts';

// What an attacker can try from outside, through the gateway only: every refusal is a 4xx problem, and
// nothing it refuses reaches a service or changes anything.
let system: ShopSystem;
let shop: Shop;
let admin: Account;
// Alice has an order and a payment; Bob tries to reach them.
let alice: Account & { id: string };
let bob: Account;
let aliceOrder: { id: string };
let alicePayment: { id: string };

before(async () => {
  system = await startShopSystem();
  shop = new Shop(system.url);
  admin = await shop.admin();
  const product = await shop.createProduct(admin, 10);
  const registered = await shop.register('Alice');
  const me = await shop.expect(200, 'GET', '/api/v1/auth/me', { token: registered.token });
  alice = { ...registered, id: me.body.id as string };
  bob = await shop.register('Bob');
  await shop.expect(200, 'PUT', `/api/v1/cart/items/${product.id}`, {
    token: alice.token,
    body: { quantity: 1 },
  });
  aliceOrder = (await shop.checkout(alice)).body;
  const paid = await shop.pay(alice, aliceOrder.id, 'pm_card_visa');
  assert.equal(paid.status, 201, paid.text);
  alicePayment = paid.body;
});
after(async () => {
  await system?.close();
  await stopAllServers();
});

function assertProblem(answer: Answer, status: number, what: string): void {
  assert.equal(answer.status, status, `${what}: ${answer.status} ${answer.text}`);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
  assert.equal(typeof answer.body?.code, 'string', `${what}: no problem code in ${answer.text}`);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('security through the gateway', () => {
  test('when a token route is called without a token, then it is 401, forged identity headers or not', async () => {
    assertProblem(await shop.request('GET', '/api/v1/orders'), 401, 'no token');
    assertProblem(
      await shop.request('GET', `/api/v1/orders/${aliceOrder.id}`, {
        headers: { 'x-user-id': alice.id, 'x-user-roles': 'admin', 'x-authenticated-userid': alice.id },
      }),
      401,
      'identity headers instead of a token',
    );
  });

  test('when a customer calls an admin route, then it is 403, even claiming the admin role in headers', async () => {
    for (const path of [
      '/api/v1/admin/orders',
      `/api/v1/admin/orders/${aliceOrder.id}`,
      '/api/v1/admin/products',
    ]) {
      assertProblem(
        await shop.request('GET', path, {
          token: bob.token,
          headers: { 'x-roles': 'admin', 'x-user-roles': 'admin' },
        }),
        403,
        `customer on ${path}`,
      );
    }
    await shop.expect(200, 'GET', '/api/v1/admin/orders', { token: admin.token });
  });

  test("when a customer asks for another customer's order or payment, then it is 404, as for one that does not exist", async () => {
    const forged = { 'x-user-id': alice.id, 'x-forwarded-user': alice.id, 'x-user-sub': alice.id };
    assertProblem(
      await shop.request('GET', `/api/v1/orders/${aliceOrder.id}`, { token: bob.token, headers: forged }),
      404,
      "Alice's order",
    );
    assertProblem(
      await shop.request('GET', `/api/v1/payments/${alicePayment.id}`, { token: bob.token, headers: forged }),
      404,
      "Alice's payment",
    );
    assertProblem(
      await shop.request('GET', `/api/v1/orders/${randomUUID()}`, { token: bob.token }),
      404,
      'no such order',
    );
    assertProblem(await shop.pay(bob, aliceOrder.id, 'pm_card_visa'), 404, "paying Alice's order");
    assertProblem(
      await shop.request('POST', `/api/v1/payments/${alicePayment.id}/refunds`, {
        token: bob.token,
        headers: { 'idempotency-key': randomUUID() },
        body: { reason: 'not mine' },
      }),
      404,
      "refunding Alice's payment",
    );
    const mine = await shop.expect(200, 'GET', '/api/v1/orders', { token: bob.token, headers: forged });
    assert.deepEqual(mine.body.items, []);
    // Nothing of Alice's changed.
    const hers = await shop.expect(200, 'GET', `/api/v1/payments/${alicePayment.id}`, { token: alice.token });
    assert.deepEqual(hers.body.refunded, { amount: 0, currency: 'USD' });
  });

  test('when a token has alg none, is expired, or is signed by a foreign key, then it is 401', async () => {
    const claims = claimsOf(bob.token);
    const now = Math.floor(Date.now() / 1000);
    const header = JSON.parse(Buffer.from(bob.token.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const unsigned = `${base64url({ ...header, alg: 'none' })}.${base64url({ ...claims, exp: now + 600 })}.`;
    // auth's own key, so only the expiry is wrong.
    const expired = await system.signingKey.sign(
      { ...claims, iat: now - 1_200 },
      { expiresIn: now - 600, subject: String(claims['sub']) },
    );
    const foreign = await createTestSigningKey({
      issuer: String(claims['iss']),
      audience: String(claims['aud']),
    });
    const unknownKid = await foreign.sign(claims, { subject: String(claims['sub']) });
    // The real kid on a foreign key's signature.
    const stolenKid = await (
      await createTestSigningKey({
        issuer: String(claims['iss']),
        audience: String(claims['aud']),
        kid: String(header['kid']),
      })
    ).sign(claims, { subject: String(claims['sub']) });
    const tampered = `${bob.token.split('.')[0]}.${base64url({ ...claims, roles: ['admin'] })}.${bob.token.split('.')[2]}`;
    const cases = { unsigned, expired, unknownKid, stolenKid, tampered, garbage: 'not-a-jwt' };
    for (const [name, token] of Object.entries(cases)) {
      assertProblem(await shop.request('GET', '/api/v1/orders', { token }), 401, `${name} token`);
      assertProblem(
        await shop.request('GET', '/api/v1/admin/orders', { token }),
        401,
        `${name} token on admin`,
      );
    }
    // The same claims signed by auth's key pass: the refusals above are about alg, expiry and key alone.
    const valid = await system.signingKey.sign(claims, { subject: String(claims['sub']) });
    await shop.expect(200, 'GET', '/api/v1/orders', { token: valid });
  });

  test("when /internal routes or the services' /metrics are asked for through the gateway, then they are 404, with or without tokens", async () => {
    for (const path of [
      `/internal/v1/orders/${aliceOrder.id}`,
      `/internal/v1/inventory/stock/${randomUUID()}`,
      '/api/v1/internal/orders',
      '/metrics',
    ]) {
      assert.equal((await shop.request('GET', path)).status, 404, path);
      assert.equal((await shop.request('GET', path, { token: admin.token })).status, 404, `${path} as admin`);
    }
    assert.equal(
      (await shop.request('POST', '/internal/v1/products/lookup', { body: { ids: [] } })).status,
      404,
    );
  });

  test('when a customer goes past the checkout limit, then it is 429 with Retry-After, and another customer is not limited', async () => {
    const eager = await shop.register('Eager');
    let limited: Answer | undefined;
    // RATE_LIMIT_CHECKOUT is 20 a minute per user; invalid bodies are cheap and change nothing.
    for (let attempt = 0; attempt < 40 && limited === undefined; attempt += 1) {
      const answer = await shop.request('POST', '/api/v1/payments', {
        token: eager.token,
        body: {},
        headers: { 'idempotency-key': randomUUID() },
      });
      if (answer.status === 429) limited = answer;
      else assert.equal(answer.status, 400, answer.text);
    }
    assert.ok(limited, 'no 429 within 40 payment attempts');
    assertProblem(limited, 429, 'past the checkout limit');
    assert.equal(limited.body.code, 'GATEWAY_ERR_RATE_LIMITED');
    assert.ok(
      Number(limited.headers.get('retry-after')) >= 1,
      `Retry-After: ${limited.headers.get('retry-after')}`,
    );
    assert.ok(limited.headers.get('ratelimit-limit'), 'RateLimit-Limit');
    const other = await shop.request('POST', '/api/v1/payments', {
      token: bob.token,
      body: {},
      headers: { 'idempotency-key': randomUUID() },
    });
    assert.equal(other.status, 400, other.text);
  });

  test('when a body is malformed JSON, too large, or not JSON, then it is a 4xx problem (never a 500) and no order is placed', async () => {
    const post = (body: string, contentType: string) =>
      shop.request('POST', '/api/v1/orders', {
        token: bob.token,
        body,
        headers: { 'content-type': contentType, 'idempotency-key': randomUUID() },
      });
    assertProblem(await post('{"shippingAddress": {', 'application/json'), 400, 'malformed JSON');
    const withNul = JSON.stringify({ shippingAddress: { ...SHIPPING_ADDRESS, name: 'Ada\u0000Lovelace' } });
    assertProblem(await post(withNul, 'application/json'), 400, 'a NUL in a string');
    const huge = JSON.stringify({ shippingAddress: SHIPPING_ADDRESS, padding: 'x'.repeat(2 * 1024 * 1024) });
    assertProblem(await post(huge, 'application/json'), 413, 'a 2 MiB body');
    assertProblem(
      await post('shippingAddress=here', 'application/x-www-form-urlencoded'),
      415,
      'a form body',
    );
    assertProblem(await post('<order/>', 'text/xml'), 415, 'an XML body');
    assertProblem(
      await shop.request('POST', '/api/v1/auth/login', {
        body: '{"email": 1, "password": [',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'malformed login',
    );
    assertProblem(
      await shop.request('POST', '/api/v1/auth/register', {
        body: { email: 'a@b.c', password: 'p'.repeat(20_000), name: 'Big' },
      }),
      413,
      'a register body past auth routes’ 16 KiB',
    );
    const mine = await shop.expect(200, 'GET', '/api/v1/orders', { token: bob.token });
    assert.deepEqual(mine.body.items, []);
  });
});
