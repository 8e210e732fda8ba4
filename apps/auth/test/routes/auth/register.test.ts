import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { credentials, newCustomer, problemType, startAuth, type AuthTestContext } from '../../helper.ts';

describe('POST /api/v1/auth/register', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth();
  });
  after(() => ctx.close());

  test('when the registration is valid, then it answers 201 with a customer session and stores an argon2id hash', async () => {
    const customer = newCustomer({ email: `Grace.Hopper+${crypto.randomUUID().slice(0, 8)}@Example.COM` });
    const res = await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);

    assert.equal(res.body.user.email, customer.email.toLowerCase());
    assert.deepEqual(res.body.user.roles, ['customer']);
    assert.equal(res.body.tokenType, 'Bearer');
    assert.ok(res.body.expiresIn > 0 && res.body.expiresIn <= 900);
    assert.match(res.body.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(typeof res.body.refreshToken, 'string');

    const db = new pg.Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT email, password_hash FROM users WHERE id = $1', [
        res.body.user.id,
      ]);
      assert.equal(rows[0].email, customer.email.toLowerCase());
      const [, algorithm, , params] = rows[0].password_hash.split('$');
      assert.equal(algorithm, 'argon2id');
      assert.deepEqual(Object.fromEntries(params.split(',').map((p: string) => p.split('='))), {
        m: '19456',
        t: '2',
        p: '1',
      });
      assert.ok(!rows[0].password_hash.includes(customer.password));
      const tokens = await db.query('SELECT token_hash FROM refresh_tokens WHERE user_id = $1', [
        res.body.user.id,
      ]);
      assert.equal(tokens.rowCount, 1);
      assert.notEqual(
        tokens.rows[0].token_hash,
        res.body.refreshToken,
        'refresh tokens are stored hashed only',
      );
    } finally {
      await db.end();
    }
  });

  test('when the email is already registered in another case, then it answers 409 and creates nothing', async () => {
    const customer = newCustomer();
    await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    const res = await ctx.http
      .post('/api/v1/auth/register')
      .send({ ...customer, email: customer.email.toUpperCase() })
      .expect(409);
    assert.match(res.headers['content-type'] ?? '', problemType);
    assert.equal(res.body.code, 'AUTH_ERR_EMAIL_TAKEN');
  });

  for (const [label, password, reason] of [
    ['shorter than 10 characters', 'short-pw', /at least 10/],
    ['the email itself', 'EMAIL', /email/],
    ['the local part of the email', 'LOCAL', /email/],
  ] as const) {
    test(`when the password is ${label}, then it answers 400 AUTH_ERR_WEAK_PASSWORD`, async () => {
      const customer = newCustomer();
      const chosen =
        password === 'EMAIL'
          ? customer.email
          : password === 'LOCAL'
            ? customer.email.split('@')[0]
            : password;
      const res = await ctx.http
        .post('/api/v1/auth/register')
        .send({ ...customer, password: chosen })
        .expect(400);
      assert.equal(res.body.code, 'AUTH_ERR_WEAK_PASSWORD');
      assert.match(res.body.detail, reason);
      await ctx.http.post('/api/v1/auth/login').send({ email: customer.email, password: chosen }).expect(401);
    });
  }

  test('when fields are missing or malformed, then it answers 400 naming each failing field', async () => {
    const res = await ctx.http
      .post('/api/v1/auth/register')
      .send({ email: 'not-an-email', name: '' })
      .expect(400);
    assert.match(res.headers['content-type'] ?? '', problemType);
    assert.equal(res.body.code, 'PLATFORM_ERR_VALIDATION');
    const fields = [...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort();
    assert.deepEqual(fields, ['body.email', 'body.name', 'body.password']);
  });

  test('when the body is not valid JSON, then it answers 400 problem+json without a stack trace', async () => {
    const res = await ctx.http
      .post('/api/v1/auth/register')
      .set('content-type', 'application/json')
      .send('{"email": "a@b.c", ')
      .expect(400);
    assert.equal(res.body.code, 'PLATFORM_ERR_MALFORMED_JSON');
    assert.ok(!JSON.stringify(res.body).includes('at '), 'no stack frames');
  });

  test('when the body is larger than the limit, then it answers 413 problem+json', async () => {
    const res = await ctx.http
      .post('/api/v1/auth/register')
      .send({ ...newCustomer(), name: 'x'.repeat(2 * 1024 * 1024) })
      .expect(413);
    assert.equal(res.body.code, 'PLATFORM_ERR_BODY_TOO_LARGE');
  });

  test('when the body has unknown properties, then it answers 400 and does not register', async () => {
    const customer = newCustomer();
    const res = await ctx.http
      .post('/api/v1/auth/register')
      .send({ ...customer, roles: ['admin'] })
      .expect(400);
    assert.equal(res.body.code, 'PLATFORM_ERR_VALIDATION');
    await ctx.http.post('/api/v1/auth/login').send(credentials(customer)).expect(401);
  });

  test('when the password is in the shipped list of breached passwords, in any case, then it answers 400 AUTH_ERR_BREACHED_PASSWORD', async () => {
    for (const password of ['basketball', 'BasketBall', 'qwertyuiop123']) {
      const customer = newCustomer({ password });
      const res = await ctx.http.post('/api/v1/auth/register').send(customer).expect(400);
      assert.match(res.headers['content-type'] ?? '', problemType);
      assert.equal(res.body.code, 'AUTH_ERR_BREACHED_PASSWORD');
      assert.match(res.body.detail, /choose another one/);
      await ctx.http.post('/api/v1/auth/login').send(credentials(customer)).expect(401);
    }
  });

  test('when BREACHED_PASSWORDS_FILE names a list, then its passwords are refused too', async () => {
    const file = path.join(tmpdir(), `breached-${crypto.randomUUID()}.txt`);
    await writeFile(file, 'first leaked passphrase\r\nour own leaked passphrase\n');
    const withList = await startAuth({ BREACHED_PASSWORDS_FILE: file });
    try {
      const res = await withList.http
        .post('/api/v1/auth/register')
        .send(newCustomer({ password: 'Our Own Leaked Passphrase' }))
        .expect(400);
      assert.equal(res.body.code, 'AUTH_ERR_BREACHED_PASSWORD');
      await withList.http.post('/api/v1/auth/register').send(newCustomer()).expect(201);
    } finally {
      await withList.close();
    }
  });
});
