import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import {
  base64url,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { jwtAuthPlugin, remoteJwks, type Service } from '../../src/index.ts';
import { startJwksServer } from '../support/jwks-server.ts';
import { buildTestService } from '../support/test-service.ts';

const ISSUER = 'https://auth.shop.local';
const AUDIENCE = 'shop-api';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

interface TokenShape {
  sub?: string;
  roles?: unknown;
  iss?: string;
  aud?: string;
  expiresIn?: string | number;
  typ?: string;
  jti?: string | null;
}

function sign(key: SigningKey, shape: TokenShape = {}): Promise<string> {
  const jwt = new SignJWT(shape.roles === undefined ? { roles: ['customer'] } : { roles: shape.roles })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: shape.typ ?? 'at+jwt' })
    .setIssuer(shape.iss ?? ISSUER)
    .setAudience(shape.aud ?? AUDIENCE)
    .setSubject(shape.sub ?? 'user-1')
    .setIssuedAt()
    .setExpirationTime(shape.expiresIn ?? '5m');
  if (shape.jti !== null) jwt.setJti(shape.jti ?? randomUUID());
  return jwt.sign(key.privateKey);
}

async function serviceVerifying(keys: JWTVerifyGetKey): Promise<Service> {
  const { app } = await buildTestService(async (service) => {
    await service.register(jwtAuthPlugin, { issuer: ISSUER, audience: AUDIENCE, keys });
    service.get('/me', { preHandler: service.authenticate }, async (request) => request.caller);
    service.get('/admin/reports', { preHandler: service.requireRole('admin') }, async (request) => ({
      by: request.caller?.id,
    }));
    service.get('/public', async (request) => ({ caller: request.caller }));
  });
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The status of GET /me with a token signed by `key`. */
async function meStatus(app: Service, key: SigningKey): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/me', headers: bearer(await sign(key)) })).statusCode;
}

describe('jwt auth with a local key set', async () => {
  const key = await newSigningKey();
  const app = await serviceVerifying(createLocalJWKSet({ keys: [key.publicJwk] }));
  after(() => app.close());
  const me = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/me', headers });

  async function assertUnauthorized(headers: Record<string, string>, why: string) {
    const response = await me(headers);
    assert.equal(response.statusCode, 401, `${why}: ${response.body}`);
    assert.equal(response.json().code, 'PLATFORM_ERR_UNAUTHORIZED', why);
    assert.match(String(response.headers['www-authenticate']), /^Bearer/, why);
    assert.match(String(response.headers['content-type']), /application\/problem\+json/);
    return response;
  }

  test('when the token is valid, then the request passes and exposes the caller id, roles and token id', async () => {
    const token = await sign(key, { sub: 'user-7', roles: ['customer', 'admin', 'superuser'], jti: 'jti-1' });
    const response = await me(bearer(token));
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { id: 'user-7', roles: ['customer', 'admin'], tokenId: 'jti-1' });
  });

  test('when no token is sent, then 401 with a Bearer challenge', async () => {
    const response = await assertUnauthorized({}, 'no token');
    assert.equal(response.headers['www-authenticate'], 'Bearer');
    await assertUnauthorized({ authorization: 'Basic dXNlcjpwYXNz' }, 'basic scheme');
    await assertUnauthorized({ authorization: 'Bearer' }, 'empty bearer');
  });

  test('when the token is garbage, then 401', async () => {
    await assertUnauthorized(bearer('not.a.jwt'), 'garbage');
    await assertUnauthorized(bearer('x'.repeat(50)), 'no dots');
  });

  test('when the caller lacks the role, then 403; with it, 200', async () => {
    const customer = await app.inject({
      method: 'GET',
      url: '/admin/reports',
      headers: bearer(await sign(key)),
    });
    assert.equal(customer.statusCode, 403);
    assert.equal(customer.json().code, 'PLATFORM_ERR_FORBIDDEN');
    const admin = await app.inject({
      method: 'GET',
      url: '/admin/reports',
      headers: bearer(await sign(key, { sub: 'boss', roles: ['admin'] })),
    });
    assert.equal(admin.statusCode, 200);
    assert.deepEqual(admin.json(), { by: 'boss' });
    const anonymous = await app.inject({ method: 'GET', url: '/admin/reports' });
    assert.equal(anonymous.statusCode, 401, 'a role guard without a token is 401, not 403');
  });

  test('when the roles claim is missing or malformed, then the caller has no roles', async () => {
    const response = await me(bearer(await sign(key, { roles: 'admin' })));
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json().roles, []);
    const guarded = await app.inject({
      method: 'GET',
      url: '/admin/reports',
      headers: bearer(await sign(key, { roles: 'admin' })),
    });
    assert.equal(guarded.statusCode, 403);
  });

  test('when the token is unsigned (alg none), then 401', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: key.kid }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(
      JSON.stringify({
        sub: 'attacker',
        roles: ['admin'],
        iss: ISSUER,
        aud: AUDIENCE,
        jti: 'j',
        iat: now,
        exp: now + 300,
      }),
    );
    await assertUnauthorized(bearer(`${header}.${payload}.`), 'alg none');
  });

  test('when the token is HS256-signed with the public key bytes (algorithm confusion), then 401', async () => {
    const claims = { roles: ['admin'] };
    const publicKeyBytes = base64url.decode(key.publicJwk.x as string);
    for (const secret of [publicKeyBytes, new TextEncoder().encode(JSON.stringify(key.publicJwk))]) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('attacker')
        .setJti('j')
        .setExpirationTime('5m')
        .sign(secret);
      await assertUnauthorized(bearer(forged), 'HS256 with public key');
    }
  });

  test('when the token is signed by another key under a known kid, then 401', async () => {
    const impostor = { ...(await newSigningKey()), kid: key.kid };
    await assertUnauthorized(bearer(await sign(impostor, { roles: ['admin'] })), 'foreign key');
  });

  test('when the issuer, audience or type is wrong, then 401', async () => {
    await assertUnauthorized(bearer(await sign(key, { iss: 'https://evil.example' })), 'issuer');
    await assertUnauthorized(bearer(await sign(key, { aud: 'another-api' })), 'audience');
    await assertUnauthorized(bearer(await sign(key, { typ: 'JWT' })), 'typ JWT (an ID token, say)');
  });

  test('when the token has expired, then 401 says to refresh', async () => {
    const response = await assertUnauthorized(
      bearer(await sign(key, { expiresIn: Math.floor(Date.now() / 1000) - 120 })),
      'expired',
    );
    assert.match(response.json().detail, /expired.*refresh/);
    assert.match(String(response.headers['www-authenticate']), /invalid_token/);
  });

  test('when a required claim is missing, then 401', async () => {
    await assertUnauthorized(bearer(await sign(key, { jti: null })), 'no jti');
  });

  test('when a route does not ask for auth, then it runs without a caller', async () => {
    const response = await app.inject({ method: 'GET', url: '/public' });
    assert.deepEqual(response.json(), { caller: null });
  });
});

describe('jwt auth with a remote JWKS', () => {
  test('when tokens arrive, then the key set is fetched once and cached', async (t) => {
    const key = await newSigningKey();
    const jwks = await startJwksServer([key.publicJwk]);
    const app = await serviceVerifying(remoteJwks(jwks.url));
    t.after(async () => Promise.all([app.close(), jwks.close()]));

    for (let i = 0; i < 3; i += 1) {
      assert.equal(await meStatus(app, key), 200);
    }
    assert.equal(jwks.fetches, 1);
  });

  test('when the auth service rotates its key, then a token with the new kid triggers a refetch and verifies', async (t) => {
    const oldKey = await newSigningKey();
    const jwks = await startJwksServer([oldKey.publicJwk]);
    const app = await serviceVerifying(remoteJwks(jwks.url, { cooldownMs: 0 }));
    t.after(async () => Promise.all([app.close(), jwks.close()]));
    assert.equal(await meStatus(app, oldKey), 200);

    const newKey = await newSigningKey();
    jwks.serve([newKey.publicJwk, oldKey.publicJwk]);
    const response = await app.inject({
      method: 'GET',
      url: '/me',
      headers: bearer(await sign(newKey, { sub: 'user-2' })),
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().id, 'user-2');
    assert.equal(jwks.fetches, 2);
    assert.equal(await meStatus(app, oldKey), 200, 'the previous key still verifies');
    assert.equal(jwks.fetches, 2);
  });

  test('when tokens name unknown kids within the cooldown, then they are refused without hammering the auth service', async (t) => {
    const key = await newSigningKey();
    const jwks = await startJwksServer([key.publicJwk]);
    const app = await serviceVerifying(remoteJwks(jwks.url, { cooldownMs: 60_000 }));
    t.after(async () => Promise.all([app.close(), jwks.close()]));
    assert.equal(await meStatus(app, key), 200);
    for (let i = 0; i < 5; i += 1) {
      const forged = await sign(await newSigningKey());
      assert.equal(
        (await app.inject({ method: 'GET', url: '/me', headers: bearer(forged) })).statusCode,
        401,
      );
    }
    assert.equal(jwks.fetches, 1);
  });

  test('when the auth service goes away after the key set expired, then the last key set keeps verifying', async (t) => {
    const key = await newSigningKey();
    const jwks = await startJwksServer([key.publicJwk]);
    // cacheMaxAgeMs 0: every request tries the auth service, so the outage is seen at once without waiting.
    const app = await serviceVerifying(remoteJwks(jwks.url, { cacheMaxAgeMs: 0, timeoutMs: 500 }));
    t.after(() => app.close());
    assert.equal(await meStatus(app, key), 200);
    await jwks.close();
    const response = await app.inject({ method: 'GET', url: '/me', headers: bearer(await sign(key)) });
    assert.equal(response.statusCode, 200, response.body);
    const unknown = await app.inject({
      method: 'GET',
      url: '/me',
      headers: bearer(await sign(await newSigningKey())),
    });
    assert.equal(unknown.statusCode, 401, 'unknown keys are still refused while stale');
  });

  test('when the auth service stays unreachable for more than an hour after the last good fetch, then the kept keys stop verifying and requests get 503', async (t) => {
    let clock = Date.parse('2026-11-27T06:00:00Z');
    const key = await newSigningKey();
    const jwks = await startJwksServer([key.publicJwk]);
    const app = await serviceVerifying(
      remoteJwks(jwks.url, { cacheMaxAgeMs: 0, timeoutMs: 500, now: () => clock }),
    );
    t.after(() => app.close());
    assert.equal(await meStatus(app, key), 200);
    await jwks.close();

    clock += 59 * 60_000;
    assert.equal(await meStatus(app, key), 200, 'within the bound the kept keys verify');
    clock += 2 * 60_000;
    const expired = await app.inject({ method: 'GET', url: '/me', headers: bearer(await sign(key)) });
    assert.equal(expired.statusCode, 503, expired.body);
    assert.equal(expired.json().code, 'PLATFORM_ERR_UPSTREAM_UNAVAILABLE');
    assert.equal(await meStatus(app, key), 503, 'and stays refused while the auth service is away');
  });

  test('when a shorter stale bound is configured, then the kept keys stop verifying after it', async (t) => {
    let clock = 1_000_000;
    const key = await newSigningKey();
    const jwks = await startJwksServer([key.publicJwk]);
    const app = await serviceVerifying(
      remoteJwks(jwks.url, { cacheMaxAgeMs: 0, timeoutMs: 500, maxStaleMs: 10_000, now: () => clock }),
    );
    t.after(() => app.close());
    assert.equal(await meStatus(app, key), 200);
    await jwks.close();
    clock += 9_000;
    assert.equal(await meStatus(app, key), 200);
    clock += 2_000;
    assert.equal(await meStatus(app, key), 503, 'inside the retry pause too, once past the bound');
  });

  test('when the key set was never fetched and the auth service is unreachable, then 503, not 401 or 500', async (t) => {
    const jwks = await startJwksServer([]);
    const url = jwks.url;
    await jwks.close();
    const app = await serviceVerifying(remoteJwks(url, { timeoutMs: 500 }));
    t.after(() => app.close());
    const response = await app.inject({
      method: 'GET',
      url: '/me',
      headers: bearer(await sign(await newSigningKey())),
    });
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.json().code, 'PLATFORM_ERR_UPSTREAM_UNAVAILABLE');
  });

  test('when the JWKS endpoint answers with an error, then 503', async (t) => {
    const jwks = await startJwksServer([]);
    t.after(() => jwks.close());
    const app = await serviceVerifying(remoteJwks(jwks.url.replace('jwks.json', 'missing.json')));
    t.after(() => app.close());
    const response = await app.inject({
      method: 'GET',
      url: '/me',
      headers: bearer(await sign(await newSigningKey())),
    });
    assert.equal(response.statusCode, 503, response.body);
  });
});

describe('service tokens', async () => {
  const key = await newSigningKey();
  const { app } = await buildTestService(async (service) => {
    await service.register(jwtAuthPlugin, {
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: createLocalJWKSet({ keys: [key.publicJwk] }),
      serviceAudience: 'product',
    });
    service.post(
      '/internal/reserve',
      { onRequest: service.requireService('inventory:reserve') },
      async (request) => request.service,
    );
    service.get('/me', { preHandler: service.authenticate }, async (request) => request.caller);
  });
  after(() => app.close());

  function serviceToken(
    claims: { scope?: string; client_id?: string | null; sub?: string } = {},
    shape: { aud?: string; expiresIn?: string | number } = {},
  ) {
    const clientId = claims.client_id === undefined ? 'order' : claims.client_id;
    return new SignJWT({
      scope: claims.scope ?? 'products:lookup inventory:reserve',
      ...(clientId === null ? {} : { client_id: clientId }),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(shape.aud ?? 'product')
      .setSubject(claims.sub ?? 'svc:order')
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(shape.expiresIn ?? '5m')
      .sign(key.privateKey);
  }
  const reserve = async (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/internal/reserve', headers });

  test('when a service token for this service has the scope, then the route runs and sees the calling service', async () => {
    const response = await reserve(bearer(await serviceToken()));
    assert.equal(response.statusCode, 200, response.body);
    const { tokenId, ...service } = response.json();
    assert.deepEqual(service, {
      clientId: 'order',
      subject: 'svc:order',
      scopes: ['products:lookup', 'inventory:reserve'],
    });
    assert.match(tokenId, /^[0-9a-f-]{36}$/);
  });

  test('when no token is sent, then 401 with a Bearer challenge', async () => {
    const response = await reserve({});
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
  });

  test("when a customer's access token is sent, then 403: a valid token, not one for this route", async () => {
    const response = await reserve(bearer(await sign(key, { roles: ['admin'] })));
    assert.equal(response.statusCode, 403, response.body);
    assert.equal(response.json().code, 'PLATFORM_ERR_FORBIDDEN');
    assert.match(response.json().detail, /for other services/);
  });

  test('when the service token was issued for another service, then 401 invalid_token', async () => {
    const response = await reserve(bearer(await serviceToken({}, { aud: 'order' })));
    assert.equal(response.statusCode, 401, response.body);
    assert.match(String(response.headers['www-authenticate']), /invalid_token/);
  });

  test('when the service token lacks the scope, then 403 insufficient_scope naming it', async () => {
    const response = await reserve(bearer(await serviceToken({ scope: 'products:lookup' })));
    assert.equal(response.statusCode, 403, response.body);
    assert.equal(
      response.headers['www-authenticate'],
      'Bearer error="insufficient_scope", scope="inventory:reserve"',
    );
    assert.equal(response.json().requiredScope, 'inventory:reserve');
    const prefix = await reserve(bearer(await serviceToken({ scope: 'inventory:reserved inventory' })));
    assert.equal(prefix.statusCode, 403, 'scopes are matched whole, not by prefix');
  });

  test('when the service token has expired, then 401', async () => {
    const expired = await serviceToken({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const response = await reserve(bearer(expired));
    assert.equal(response.statusCode, 401);
    assert.match(String(response.headers['www-authenticate']), /expired/);
  });

  test('when a token has a client_id but no service subject or no scope claim, then 401', async () => {
    assert.equal((await reserve(bearer(await serviceToken({ sub: 'user-1' })))).statusCode, 401);
    const noScope = await new SignJWT({ client_id: 'order' })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience('product')
      .setSubject('svc:order')
      .setJti('j')
      .setExpirationTime('5m')
      .sign(key.privateKey);
    assert.equal((await reserve(bearer(noScope))).statusCode, 401);
  });

  test('when a service token is sent to a customer route, then 401, also when it names the customer audience', async () => {
    assert.equal(
      (await app.inject({ method: 'GET', url: '/me', headers: bearer(await serviceToken()) })).statusCode,
      401,
    );
    const confused = await serviceToken({}, { aud: AUDIENCE });
    const response = await app.inject({ method: 'GET', url: '/me', headers: bearer(confused) });
    assert.equal(response.statusCode, 401, response.body);
    assert.match(response.json().detail, /service token cannot call a customer route/);
  });

  test('when a route asks for a scope this service does not grant, or the plugin has no service audience, then the start fails', async () => {
    await assert.rejects(
      buildTestService(async (service) => {
        await service.register(jwtAuthPlugin, {
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: createLocalJWKSet({ keys: [key.publicJwk] }),
          serviceAudience: 'product',
        });
        service.get('/x', { onRequest: service.requireService('orders:read') }, async () => ({}));
      }),
      /the product service grants no such scope/,
    );
    await assert.rejects(
      buildTestService(async (service) => {
        await service.register(jwtAuthPlugin, {
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: createLocalJWKSet({ keys: [key.publicJwk] }),
        });
        service.get('/x', { onRequest: service.requireService('orders:read') }, async () => ({}));
      }),
      /register jwtAuthPlugin with serviceAudience/,
    );
  });
});
