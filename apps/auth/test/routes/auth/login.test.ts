import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEV_ADMIN } from '../../../src/config.ts';
import { newCustomer, problemType, startAuth, type AuthTestContext } from '../../helper.ts';

describe('POST /api/v1/auth/login', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth();
  });
  after(() => ctx.close());

  test('when the email (in any case) and password are right, then it answers 200 with a session', async () => {
    const customer = newCustomer();
    const registered = await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    const res = await ctx.http
      .post('/api/v1/auth/login')
      .send({ email: customer.email.toUpperCase(), password: customer.password })
      .expect(200);
    assert.equal(res.body.user.id, registered.body.user.id);
    assert.notEqual(res.body.refreshToken, registered.body.refreshToken);
    const me = await ctx.http
      .get('/api/v1/auth/me')
      .set('authorization', `Bearer ${res.body.accessToken}`)
      .expect(200);
    assert.equal(me.body.email, customer.email);
  });

  test('when the password is wrong or the email unknown, then both answer the same 401', async () => {
    const customer = newCustomer();
    await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    const wrong = await ctx.http
      .post('/api/v1/auth/login')
      .send({ email: customer.email, password: 'not the password' })
      .expect(401);
    const unknown = await ctx.http
      .post('/api/v1/auth/login')
      .send({ email: `nobody-${crypto.randomUUID()}@example.com`, password: 'not the password' })
      .expect(401);
    assert.match(wrong.headers['content-type'] ?? '', problemType);
    const comparable = ({ requestId: _r, ...rest }: Record<string, unknown>) => rest;
    assert.deepEqual(comparable(wrong.body), comparable(unknown.body));
    assert.equal(wrong.body.code, 'AUTH_ERR_INVALID_CREDENTIALS');
  });

  test('when the service starts outside production, then the development admin can log in with the admin role', async () => {
    const res = await ctx.http.post('/api/v1/auth/login').send(DEV_ADMIN).expect(200);
    assert.ok(res.body.user.roles.includes('admin'));
  });
});
