import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, newCustomer, startAuth, type AuthTestContext } from '../../helper.ts';

describe('POST /api/v1/auth/refresh and /logout', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth();
  });
  after(() => ctx.close());

  const register = async () =>
    (await ctx.http.post('/api/v1/auth/register').send(newCustomer()).expect(201)).body;
  const refresh = (refreshToken: string) => ctx.http.post('/api/v1/auth/refresh').send({ refreshToken });

  test('when a live refresh token is used, then it is rotated into a new session', async () => {
    const session = await register();
    const res = await refresh(session.refreshToken).expect(200);
    assert.notEqual(res.body.refreshToken, session.refreshToken);
    assert.equal(res.body.user.id, session.user.id);
    await ctx.http.get('/api/v1/auth/me').set('authorization', `Bearer ${res.body.accessToken}`).expect(200);
    await refresh(res.body.refreshToken).expect(200);
  });

  test('when a rotated refresh token is reused, then the whole family is revoked, including the newest token', async () => {
    const session = await register();
    const second = (await refresh(session.refreshToken).expect(200)).body;
    const third = (await refresh(second.refreshToken).expect(200)).body;

    const reuse = await refresh(session.refreshToken).expect(401);
    assert.equal(reuse.body.code, 'AUTH_ERR_REFRESH_TOKEN_REUSED');

    const afterRevocation = await refresh(third.refreshToken).expect(401);
    assert.equal(afterRevocation.body.code, 'AUTH_ERR_INVALID_REFRESH_TOKEN');
  });

  test('when the same refresh token is raced twice, then exactly one rotation wins', async () => {
    const session = await register();
    const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
  });

  test('when another login of the same user reuses nothing, then its family is unaffected by a reuse elsewhere', async () => {
    const customer = newCustomer();
    const first = (await ctx.http.post('/api/v1/auth/register').send(customer).expect(201)).body;
    const other = (await ctx.http.post('/api/v1/auth/login').send(credentials(customer)).expect(200)).body;
    await refresh(first.refreshToken).expect(200);
    await refresh(first.refreshToken).expect(401);
    await refresh(other.refreshToken).expect(200);
  });

  test('when an unknown refresh token is presented, then it answers 401', async () => {
    const res = await refresh('not-a-token-we-issued').expect(401);
    assert.equal(res.body.code, 'AUTH_ERR_INVALID_REFRESH_TOKEN');
  });

  test('when the user logs out, then the refresh token and its rotations stop working, and logout is idempotent', async () => {
    const session = await register();
    const rotated = (await refresh(session.refreshToken).expect(200)).body;
    await ctx.http.post('/api/v1/auth/logout').send({ refreshToken: rotated.refreshToken }).expect(204);
    await refresh(rotated.refreshToken).expect(401);
    await ctx.http.post('/api/v1/auth/logout').send({ refreshToken: rotated.refreshToken }).expect(204);
  });
});
