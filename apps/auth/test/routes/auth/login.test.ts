import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import argon2 from 'argon2';
import pg from 'pg';
import { DEV_ADMIN } from '../../../src/config.ts';
import { credentials, newCustomer, problemType, startAuth, type AuthTestContext } from '../../helper.ts';

const argon2Params = (hash: string) => hash.split('$')[3];

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

  test('when a session is issued by register, login or refresh, then the response may not be stored by any cache', async () => {
    const customer = newCustomer();
    const registered = await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    const loggedIn = await ctx.http.post('/api/v1/auth/login').send(credentials(customer)).expect(200);
    const refreshed = await ctx.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: loggedIn.body.refreshToken })
      .expect(200);
    for (const res of [registered, loggedIn, refreshed]) {
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['pragma'], 'no-cache');
    }
  });

  for (const [route, body] of [
    ['login', { email: 'ada@example.com', password: 'p'.repeat(9 * 1024) }],
    ['register', { email: 'ada@example.com', password: 'correct horse battery', name: 'n'.repeat(9 * 1024) }],
    ['refresh', { refreshToken: 't'.repeat(3 * 1024) }],
    ['logout', { refreshToken: 't'.repeat(3 * 1024) }],
  ] as const) {
    test(`when a ${route} body is larger than the route needs (a few KiB), then it answers 413 problem+json`, async () => {
      const res = await ctx.http.post(`/api/v1/auth/${route}`).send(body).expect(413);
      assert.match(res.headers['content-type'] ?? '', problemType);
      assert.equal(res.body.code, 'PLATFORM_ERR_BODY_TOO_LARGE');
    });
  }

  test('when a user stored with older argon2 parameters logs in, then the stored hash moves to the current ones', async () => {
    const customer = newCustomer();
    const { user } = (await ctx.http.post('/api/v1/auth/register').send(customer).expect(201)).body;
    const db = new pg.Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    try {
      const current = (await db.query('SELECT password_hash FROM users WHERE id = $1', [user.id])).rows[0];
      const older = await argon2.hash(customer.password, {
        type: argon2.argon2id,
        memoryCost: 19_456,
        timeCost: 1,
        parallelism: 1,
      });
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, older]);

      await ctx.http.post('/api/v1/auth/login').send(credentials(customer)).expect(200);

      const stored = (await db.query('SELECT password_hash FROM users WHERE id = $1', [user.id])).rows[0];
      assert.equal(argon2Params(stored.password_hash), argon2Params(current.password_hash));
      assert.notEqual(stored.password_hash, older);
      await ctx.http.post('/api/v1/auth/login').send(credentials(customer)).expect(200);
    } finally {
      await db.end();
    }
  });

  test('when the email is unknown, then the dummy verification uses a hash with the current parameters', async (t) => {
    const customer = newCustomer();
    await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    const verify = t.mock.method(argon2, 'verify');
    await ctx.http.post('/api/v1/auth/login').send(credentials(customer)).expect(200);
    await ctx.http
      .post('/api/v1/auth/login')
      .send({ email: `nobody-${crypto.randomUUID()}@example.com`, password: customer.password })
      .expect(401);
    const [known, unknown] = verify.mock.calls.map((call) => argon2Params(String(call.arguments[0])));
    assert.equal(unknown, known);
    assert.deepEqual(Object.fromEntries((unknown ?? '').split(',').map((p) => p.split('='))), {
      m: String(ctx.config.ARGON2_MEMORY_KIB),
      t: '2',
      p: '1',
    });
  });
});
