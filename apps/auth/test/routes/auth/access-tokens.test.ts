import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccessTokenClaimsSchema, ACCESS_TOKEN_TYPE } from '@shop/contracts';
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Value } from 'typebox/value';
import { newCustomer, startAuth, type AuthTestContext } from '../../helper.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens, GET /api/v1/auth/me and the JWKS', () => {
  let ctx: AuthTestContext;
  let session: { accessToken: string; user: { id: string } };
  before(async () => {
    ctx = await startAuth();
    session = (await ctx.http.post('/api/v1/auth/register').send(newCustomer()).expect(201)).body;
  });
  after(() => ctx.close());

  const me = (token: string) => ctx.http.get('/api/v1/auth/me').set('authorization', `Bearer ${token}`);

  test('when the token is valid, then /me answers the caller', async () => {
    const res = await me(session.accessToken).expect(200);
    assert.equal(res.body.id, session.user.id);
  });

  test('when a token is issued, then it is an EdDSA JWT with kid, iss, aud, sub, roles, jti and a life of at most 15 minutes', async () => {
    const header = decodeProtectedHeader(session.accessToken);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.kid, ctx.signingKey.kid);
    const claims = JSON.parse(
      Buffer.from(session.accessToken.split('.')[1] as string, 'base64url').toString(),
    );
    assert.equal(claims.iss, ctx.config.AUTH_ISSUER);
    assert.equal(claims.aud, ctx.config.AUTH_AUDIENCE);
    assert.equal(claims.sub, session.user.id);
    assert.deepEqual(claims.roles, ['customer']);
    assert.ok(typeof claims.jti === 'string' && claims.jti.length > 0);
    assert.ok(claims.exp - claims.iat <= 900);
  });

  test('when a token is issued, then its header and claims are the shared access-token contract every verifier reads', async () => {
    assert.equal(decodeProtectedHeader(session.accessToken).typ, ACCESS_TOKEN_TYPE);
    const claims: unknown = JSON.parse(
      Buffer.from(session.accessToken.split('.')[1] as string, 'base64url').toString(),
    );
    assert.ok(
      Value.Check(AccessTokenClaimsSchema, claims),
      JSON.stringify([...Value.Errors(AccessTokenClaimsSchema, claims)]),
    );
  });

  test('when there is no token, then /me answers 401 problem+json', async () => {
    const res = await ctx.http.get('/api/v1/auth/me').expect(401);
    assert.equal(res.body.code, 'PLATFORM_ERR_UNAUTHORIZED');
  });

  test('when the payload is tampered with, then it is refused', async () => {
    const [header, , signature] = session.accessToken.split('.');
    const forged = `${header}.${b64({ sub: session.user.id, roles: ['admin'], iss: ctx.config.AUTH_ISSUER, aud: ctx.config.AUTH_AUDIENCE, exp: 4102444800, jti: 'x' })}.${signature}`;
    await me(forged).expect(401);
  });

  test('when the token says alg "none", then it is refused', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: session.user.id, roles: ['admin'], iss: ctx.config.AUTH_ISSUER, aud: ctx.config.AUTH_AUDIENCE, exp: 4102444800, jti: 'x' })}.`;
    await me(unsigned).expect(401);
  });

  test('when the token is signed by another key under our kid, then it is refused', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: ctx.signingKey.kid })
      .setIssuer(ctx.config.AUTH_ISSUER)
      .setAudience(ctx.config.AUTH_AUDIENCE)
      .setSubject(session.user.id)
      .setJti('x')
      .setExpirationTime('5m')
      .sign(privateKey);
    await me(token).expect(401);
  });

  test('when the token is HS256-signed with the public key (algorithm confusion), then it is refused', async () => {
    const jwk = (await ctx.http.get('/.well-known/jwks.json').expect(200)).body.keys[0];
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: jwk.kid })
      .setIssuer(ctx.config.AUTH_ISSUER)
      .setAudience(ctx.config.AUTH_AUDIENCE)
      .setSubject(session.user.id)
      .setJti('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    await me(token).expect(401);
  });

  test('when the token has expired, then it is refused with a hint to refresh', async () => {
    const token = await ctx.signingKey.sign(
      { sub: session.user.id, roles: ['customer'] },
      { expiresIn: Math.floor(Date.now() / 1000) - 60 },
    );
    const res = await me(token).expect(401);
    assert.match(res.body.detail, /expired/);
  });

  test('when the token is for another audience or issuer, then it is refused', async () => {
    const wrongAudience = await ctx.signingKey.sign({ sub: session.user.id }, { audience: 'another-api' });
    const wrongIssuer = await ctx.signingKey.sign(
      { sub: session.user.id },
      { issuer: 'https://evil.example' },
    );
    await me(wrongAudience).expect(401);
    await me(wrongIssuer).expect(401);
    const control = await ctx.signingKey.sign({ sub: session.user.id });
    await me(control).expect(200);
  });

  test('when the signing key rotates, then tokens signed by the previous key still verify and the JWKS serves both', async () => {
    const before = (await ctx.http.get('/.well-known/jwks.json').expect(200)).body.keys;
    assert.deepEqual(
      before.map((k: { kid: string }) => k.kid),
      [ctx.signingKey.kid],
    );
    assert.ok(
      before.every((k: Record<string, unknown>) => !('d' in k)),
      'no private material in the JWKS',
    );

    await ctx.app.keyRing.rotate();
    const after = (await ctx.http.get('/.well-known/jwks.json').expect(200)).body.keys;
    assert.equal(after.length, 2);
    assert.equal(after[1].kid, ctx.signingKey.kid);

    await me(session.accessToken).expect(200);
    const fresh = (await ctx.http.post('/api/v1/auth/register').send(newCustomer()).expect(201)).body;
    assert.equal(decodeProtectedHeader(fresh.accessToken).kid, after[0].kid);
    await me(fresh.accessToken).expect(200);
  });

  test('when keys are loaded from AUTH_SIGNING_KEYS, then the JWKS publishes exactly their public halves', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'configured-key' };
    const other = await startAuth({ AUTH_SIGNING_KEYS: JSON.stringify([jwk]) });
    const keys = (await other.http.get('/.well-known/jwks.json').expect(200)).body.keys;
    await other.close();
    assert.deepEqual(keys, [
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: 'configured-key', alg: 'EdDSA', use: 'sig' },
    ]);
  });
});
