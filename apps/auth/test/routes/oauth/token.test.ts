import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import argon2 from 'argon2';
import { devServiceClientSecret } from '@shop/platform';
import { getRedis } from '@shop/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { problemType, startAuth, type AuthTestContext } from '../../helper.ts';

const TOKEN = '/api/v1/auth/oauth/token';
const ORDER_SECRET = devServiceClientSecret('order');
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Asserts an RFC 6749 §5.2 error rendered as problem+json, and answers its body. */
function assertOAuthError(
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
  error: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', problemType);
  assert.equal(res.body['error'], error);
  assert.equal(typeof res.body['error_description'], 'string');
  assert.equal(res.body['status'], status);
  return res.body;
}

describe('POST /api/v1/auth/oauth/token with the development clients', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth();
  });
  after(() => ctx.close());

  const verify = (token: string, audience: string) =>
    jwtVerify(token, createLocalJWKSet({ keys: [ctx.signingKey.publicJwk] }), {
      issuer: ctx.config.AUTH_ISSUER,
      audience,
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
    });

  test('when order authenticates with HTTP Basic in a form body, then it gets a short-lived token for product with every granted scope', async () => {
    const res = await ctx.http
      .post(TOKEN)
      .set('authorization', basic('order', ORDER_SECRET))
      .type('form')
      .send(form({ grant_type: 'client_credentials', audience: 'product' }))
      .expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.expires_in, 300);
    assert.equal(res.body.scope, 'products:lookup inventory:reserve inventory:release');
    const { payload } = await verify(res.body.access_token, 'product');
    assert.equal(payload.sub, 'svc:order');
    assert.equal(payload['client_id'], 'order');
    assert.equal(payload['scope'], res.body.scope);
    assert.equal(payload['roles'], undefined, 'a service token carries no roles');
    assert.equal(payload.exp! - payload.iat!, 300);
    assert.equal(
      decodeProtectedHeader(res.body.access_token).kid,
      ctx.signingKey.kid,
      'signed by the key ring',
    );
  });

  test('when the client authenticates in a JSON body and asks for fewer scopes, then the token has only those', async () => {
    const res = await ctx.http
      .post(TOKEN)
      .send({
        grant_type: 'client_credentials',
        client_id: 'order',
        client_secret: ORDER_SECRET,
        audience: 'product',
        scope: 'inventory:reserve products:lookup inventory:reserve',
        unknown_parameter: 'ignored, as RFC 6749 section 3.2 says',
      })
      .expect(200);
    assert.equal(res.body.scope, 'inventory:reserve products:lookup');
    const { payload } = await verify(res.body.access_token, 'product');
    assert.equal(payload['scope'], 'inventory:reserve products:lookup');
  });

  test('when the payment client asks for order, then its token is for order with orders:read', async () => {
    const res = await ctx.http
      .post(TOKEN)
      .set('authorization', basic('payment', devServiceClientSecret('payment')))
      .send({ grant_type: 'client_credentials', audience: 'order' })
      .expect(200);
    assert.equal(res.body.scope, 'orders:read');
    assert.equal((await verify(res.body.access_token, 'order')).payload.sub, 'svc:payment');
  });

  test('when the secret is wrong or the client unknown, then both answer the same 401 invalid_client with a Basic challenge', async () => {
    const request = (id: string, secret: string) =>
      ctx.http
        .post(TOKEN)
        .set('authorization', basic(id, secret))
        .send({ grant_type: 'client_credentials', audience: 'product' });
    const wrong = await request('order', 'not-the-secret');
    const unknown = await request('nobody', ORDER_SECRET);
    assertOAuthError(wrong, 401, 'invalid_client');
    assert.match(wrong.headers['www-authenticate'] ?? '', /^Basic realm=/);
    const comparable = ({ requestId: _r, instance: _i, ...rest }: Record<string, unknown>) => rest;
    assert.deepEqual(comparable(wrong.body), comparable(unknown.body));
    assert.equal(wrong.body.code, 'AUTH_ERR_OAUTH_INVALID_CLIENT');
  });

  test('when no client credentials are sent, or a Basic header that cannot be read, then 401 invalid_client', async () => {
    assertOAuthError(
      await ctx.http.post(TOKEN).send({ grant_type: 'client_credentials', audience: 'product' }),
      401,
      'invalid_client',
    );
    assertOAuthError(
      await ctx.http
        .post(TOKEN)
        .set('authorization', 'Basic %%%')
        .send({ grant_type: 'client_credentials', audience: 'product' }),
      401,
      'invalid_client',
    );
    assertOAuthError(
      await ctx.http
        .post(TOKEN)
        .set('authorization', `Basic ${Buffer.from('order:%E0%A4%A').toString('base64')}`)
        .send({ grant_type: 'client_credentials', audience: 'product' }),
      401,
      'invalid_client',
    );
    assertOAuthError(
      await ctx.http
        .post(TOKEN)
        .set('authorization', basic('o'.repeat(65), ORDER_SECRET))
        .send({ grant_type: 'client_credentials', audience: 'product' }),
      401,
      'invalid_client',
    );
  });

  test('when the client authenticates both ways at once, then 400 invalid_request', async () => {
    const res = await ctx.http.post(TOKEN).set('authorization', basic('order', ORDER_SECRET)).send({
      grant_type: 'client_credentials',
      audience: 'product',
      client_id: 'order',
      client_secret: ORDER_SECRET,
    });
    assertOAuthError(res, 400, 'invalid_request');
  });

  test('when the grant type is another, then 400 unsupported_grant_type, before the secret is checked', async () => {
    const res = await ctx.http
      .post(TOKEN)
      .type('form')
      .send(form({ grant_type: 'password', username: 'a', password: 'b' }));
    assertOAuthError(res, 400, 'unsupported_grant_type');
  });

  test('when the request is malformed, then 400 invalid_request: no grant type, no audience, a repeated parameter, bad JSON', async () => {
    const authed = () => ctx.http.post(TOKEN).set('authorization', basic('order', ORDER_SECRET));
    assertOAuthError(
      await authed()
        .type('form')
        .send(form({ audience: 'product' })),
      400,
      'invalid_request',
    );
    assertOAuthError(await authed().send({ grant_type: 'client_credentials' }), 400, 'invalid_request');
    assertOAuthError(
      await authed()
        .type('form')
        .send('grant_type=client_credentials&grant_type=client_credentials&audience=product'),
      400,
      'invalid_request',
    );
    assertOAuthError(await authed().send({ grant_type: 7, audience: 'product' }), 400, 'invalid_request');
    assertOAuthError(
      await authed().set('content-type', 'application/json').send('{"grant_type":'),
      400,
      'invalid_request',
    );
    const nul = await authed().send({ grant_type: 'client_credentials\u0000', audience: 'product' });
    assertOAuthError(nul, 400, 'invalid_request');
  });

  test('when the body has a media type the endpoint does not take, or is too big, then 415 or 413, still with an RFC error', async () => {
    const authed = () => ctx.http.post(TOKEN).set('authorization', basic('order', ORDER_SECRET));
    assertOAuthError(
      await authed()
        .set('content-type', 'application/xml')
        .send('<grant_type>client_credentials</grant_type>'),
      415,
      'invalid_request',
    );
    // Fastify reads text/plain as a string, which is no parameter object.
    assertOAuthError(
      await authed().set('content-type', 'text/plain').send('grant_type=client_credentials'),
      400,
      'invalid_request',
    );
    assertOAuthError(
      await authed()
        .type('form')
        .send(form({ grant_type: 'client_credentials', audience: 'product', pad: 'x'.repeat(8_000) })),
      413,
      'invalid_request',
    );
  });

  test('when the client asks for a scope it is not granted there, then 400 invalid_scope naming it', async () => {
    const ask = (scope: string) =>
      ctx.http
        .post(TOKEN)
        .set('authorization', basic('order', ORDER_SECRET))
        .send({ grant_type: 'client_credentials', audience: 'product', scope });
    const body = assertOAuthError(await ask('products:lookup inventory:commit'), 400, 'invalid_scope');
    assert.match(String(body['error_description']), /not inventory:commit/);
    assertOAuthError(await ask('orders:read'), 400, 'invalid_scope');
    assertOAuthError(await ask('   '), 400, 'invalid_scope');
  });

  test('when the client asks for an audience it may not call, then 400 invalid_target', async () => {
    for (const audience of ['order', 'payment', '__proto__', 'toString']) {
      const res = await ctx.http
        .post(TOKEN)
        .set('authorization', basic('order', ORDER_SECRET))
        .send({ grant_type: 'client_credentials', audience });
      assertOAuthError(res, 400, 'invalid_target');
    }
  });

  test('when a service token is sent to a customer route of auth, then it is refused', async () => {
    const issued = await ctx.http
      .post(TOKEN)
      .set('authorization', basic('order', ORDER_SECRET))
      .send({ grant_type: 'client_credentials', audience: 'product' })
      .expect(200);
    await ctx.http
      .get('/api/v1/auth/me')
      .set('authorization', `Bearer ${issued.body.access_token}`)
      .expect(401);
  });

  test('when the clients are stored, then only argon2id hashes of their secrets are, with their grants', async () => {
    const rows = await ctx.sql<{
      id: string;
      secret_hashes: string[];
      scopes: unknown;
      disabled_at: Date | null;
    }>('SELECT id, secret_hashes, scopes, disabled_at FROM service_clients ORDER BY id');
    assert.deepEqual(
      rows.map((row) => row.id),
      ['order', 'payment'],
    );
    const order = rows[0]!;
    assert.equal(order.secret_hashes.length, 1);
    assert.match(order.secret_hashes[0]!, /^\$argon2id\$/);
    assert.ok(!order.secret_hashes[0]!.includes(ORDER_SECRET));
    assert.ok(await argon2.verify(order.secret_hashes[0]!, ORDER_SECRET));
    assert.deepEqual(order.scopes, {
      product: ['products:lookup', 'inventory:reserve', 'inventory:release'],
    });
    assert.equal(order.disabled_at, null);
  });

  test('when another replica starts with the same development clients, then the stored hashes stay as they are', async () => {
    const before = await ctx.sql<{ secret_hashes: string[]; updated_at: Date }>(
      "SELECT secret_hashes, updated_at FROM service_clients WHERE id = 'order'",
    );
    await ctx.startReplica();
    const afterRows = await ctx.sql<{ secret_hashes: string[]; updated_at: Date }>(
      "SELECT secret_hashes, updated_at FROM service_clients WHERE id = 'order'",
    );
    assert.deepEqual(afterRows, before);
  });
});

describe('POST /api/v1/auth/oauth/token with configured clients', () => {
  let ctx: AuthTestContext;
  const current = 'current-secret-of-order-0123456789abcdef';
  const previous = 'previous-secret-of-order-0123456789abcdef';
  const registry = async (...secrets: string[]) =>
    JSON.stringify([
      {
        id: 'order',
        secretHashes: await Promise.all(
          secrets.map((secret) => argon2.hash(secret, { type: argon2.argon2id })),
        ),
        scopes: { product: ['products:lookup'] },
      },
    ]);
  let rotating: string;
  before(async () => {
    rotating = await registry(current, previous);
    ctx = await startAuth({ SERVICE_CLIENTS: rotating, LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
  });
  after(() => ctx.close());

  const ask = (app: AuthTestContext['http'], secret: string, ip = '203.0.113.10') =>
    app
      .post(TOKEN)
      .set('x-forwarded-for', ip)
      .set('authorization', basic('order', secret))
      .send({ grant_type: 'client_credentials', audience: 'product' });

  test('when a secret is being rotated, then the new and the old one are both accepted', async () => {
    assert.equal((await ask(ctx.http, current)).status, 200);
    assert.equal((await ask(ctx.http, previous)).status, 200);
  });

  test('when only the configured clients exist, then the development clients do not', async () => {
    const res = await ctx.http
      .post(TOKEN)
      .set('authorization', basic('payment', devServiceClientSecret('payment')))
      .send({ grant_type: 'client_credentials', audience: 'order' });
    assertOAuthError(res, 401, 'invalid_client');
  });

  test('when one client fails to authenticate too often from one address, then 429 with Retry-After, even with the right secret', async () => {
    for (let i = 0; i < 3; i += 1)
      assert.equal((await ask(ctx.http, `wrong-${i}`, '203.0.113.99')).status, 401);
    const refused = await ask(ctx.http, current, '203.0.113.99');
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal(
      (await ask(ctx.http, current, '203.0.113.100')).status,
      200,
      'another address is not locked out',
    );
  });

  test('when a replica starts with the old secret dropped and a client removed, then the rotation ends and the client is disabled', async () => {
    const rotated = await registry(current);
    await ctx.startReplica({ SERVICE_CLIENTS: rotated.replace('"order"', '"order2"') });
    const rows = await ctx.sql<{ id: string; disabled_at: Date | null; rotated_at: Date | null }>(
      'SELECT id, disabled_at, rotated_at FROM service_clients ORDER BY id',
    );
    assert.deepEqual(
      rows.map((row) => [row.id, row.disabled_at !== null]),
      [
        ['order', true],
        ['order2', false],
      ],
    );
    assertOAuthError(await ask(ctx.http, current), 401, 'invalid_client');

    await ctx.startReplica({ SERVICE_CLIENTS: rotated });
    const [order] = await ctx.sql<{
      secret_hashes: string[];
      disabled_at: Date | null;
      rotated_at: Date | null;
    }>("SELECT secret_hashes, disabled_at, rotated_at FROM service_clients WHERE id = 'order'");
    assert.equal(order!.secret_hashes.length, 1);
    assert.equal(order!.disabled_at, null, 'named again: enabled again');
    assert.ok(order!.rotated_at, 'its secrets changed');
    assert.equal((await ask(ctx.http, current)).status, 200);
    assertOAuthError(await ask(ctx.http, previous), 401, 'invalid_client');
  });
});

describe('the auth service in production', () => {
  test('when a configured client has the published development secret, then the service refuses to start', async () => {
    const hash = await argon2.hash(ORDER_SECRET, { type: argon2.argon2id });
    await assert.rejects(
      startAuth({
        NODE_ENV: 'production',
        REDIS_URL: (await getRedis()).url,
        SERVICE_CLIENTS: JSON.stringify([
          { id: 'order', secretHashes: [hash], scopes: { product: ['products:lookup'] } },
        ]),
      }),
      /the client order has the published development secret/,
    );
  });
});
