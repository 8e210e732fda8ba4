import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type supertest from 'supertest';
import { credentials, newCustomer, startAuth, type AuthTestContext } from '../../helper.ts';

/** Polls `condition` every few milliseconds, for at most about ten seconds. */
async function eventually(condition: () => Promise<boolean>): Promise<void> {
  for (let polls = 0; !(await condition()); polls += 1) {
    assert.ok(polls < 2000, 'the condition never came true');
    await sleep(5);
  }
}

describe('POST /api/v1/auth/refresh and /logout', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth();
  });
  after(() => ctx.close());

  const sql = async <Row>(text: string, values: unknown[]): Promise<Row[]> => {
    const db = new pg.Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    try {
      return (await db.query(text, values)).rows;
    } finally {
      await db.end();
    }
  };
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

  /**
   * Sends `first`, lets it run until it waits for the user's row lock that the test holds (inserting a
   * refresh token of that user waits for it, through the foreign key), so it has decided to issue a token
   * but not stored it yet; then sends `second` into that window, and lets go once `second` has answered
   * or is itself waiting for a lock.
   */
  async function raceIntoRotation(userId: string, first: () => supertest.Test, second: () => supertest.Test) {
    const locker = new pg.Client({ connectionString: ctx.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
      const waitingForLocks = async () =>
        (
          await locker.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        ).rows[0]?.n ?? 0;
      const firstDone = first().then((res) => res);
      await eventually(async () => (await waitingForLocks()) >= 1);
      let secondAnswered = false;
      const secondDone = second().then((res) => ((secondAnswered = true), res));
      await eventually(async () => secondAnswered || (await waitingForLocks()) >= 2);
      await locker.query('COMMIT');
      return await Promise.all([firstDone, secondDone]);
    } finally {
      await locker.end();
    }
  }

  test('when a refresh token is reused while its first use is being rotated, then the token the winner received is dead afterwards', async () => {
    const session = await register();
    const [winner, loser] = await raceIntoRotation(
      session.user.id,
      () => refresh(session.refreshToken),
      () => refresh(session.refreshToken),
    );
    assert.equal(winner.status, 200);
    assert.equal(loser.body.code, 'AUTH_ERR_REFRESH_TOKEN_REUSED');
    const res = await refresh(winner.body.refreshToken).expect(401);
    assert.equal(res.body.code, 'AUTH_ERR_INVALID_REFRESH_TOKEN');
  });

  test('when a logout comes while a refresh is being rotated, then the token the refresh received is dead afterwards', async () => {
    const session = await register();
    const [rotated, loggedOut] = await raceIntoRotation(
      session.user.id,
      () => refresh(session.refreshToken),
      () => ctx.http.post('/api/v1/auth/logout').send({ refreshToken: session.refreshToken }),
    );
    assert.equal(rotated.status, 200);
    assert.equal(loggedOut.status, 204);
    await refresh(rotated.body.refreshToken).expect(401);
  });

  test('when a login starts, then its family lives REFRESH_FAMILY_MAX_AGE_SECONDS, and rotations do not extend it', async () => {
    const session = await register();
    const rotated = (await refresh(session.refreshToken).expect(200)).body;
    const families = await sql<{ age: number }>(
      `SELECT extract(epoch FROM f.expires_at - f.created_at) AS age FROM refresh_token_families f
       WHERE f.user_id = $1`,
      [rotated.user.id],
    );
    assert.deepEqual(
      families.map((f) => Math.round(Number(f.age))),
      [ctx.config.REFRESH_FAMILY_MAX_AGE_SECONDS],
    );
  });

  test('when a family is past its absolute lifetime, then its live token is refused with 401', async () => {
    const session = await register();
    const rotated = (await refresh(session.refreshToken).expect(200)).body;
    await sql(
      `UPDATE refresh_token_families SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [rotated.user.id],
    );
    const res = await refresh(rotated.refreshToken).expect(401);
    assert.equal(res.body.code, 'AUTH_ERR_INVALID_REFRESH_TOKEN');
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

describe('refreshTokenDelivery "cookie": the refresh token in an httpOnly cookie, for a browser page', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth({ REFRESH_TOKEN_TTL_SECONDS: '3600' });
  });
  after(() => ctx.close());

  /** The shop_refresh cookie a response set: its value and its attributes, lower-cased. */
  function refreshCookie(res: supertest.Response): { value: string; attributes: string[] } {
    const header = res.headers['set-cookie'] as string[] | string | undefined;
    const cookies = header === undefined ? [] : Array.isArray(header) ? header : [header];
    const found = cookies.find((cookie) => cookie.startsWith('shop_refresh='));
    assert.ok(found, `no shop_refresh cookie among ${JSON.stringify(cookies)}`);
    const [pair, ...attributes] = found.split(';').map((part) => part.trim());
    return { value: pair!.slice('shop_refresh='.length), attributes: attributes.map((a) => a.toLowerCase()) };
  }
  const signUp = async () => {
    const res = await ctx.http
      .post('/api/v1/auth/register')
      .send({ ...newCustomer(), refreshTokenDelivery: 'cookie' })
      .expect(201);
    return { res, token: refreshCookie(res).value };
  };
  const refreshWithCookie = (token: string) =>
    ctx.http.post('/api/v1/auth/refresh').set('cookie', `shop_refresh=${token}`).send({});

  test('when a customer signs up or logs in asking for the cookie, then the token is set httpOnly, Secure, SameSite=Strict on the auth path only, and left out of the body', async () => {
    const customer = newCustomer();
    const registered = await ctx.http
      .post('/api/v1/auth/register')
      .send({ ...customer, refreshTokenDelivery: 'cookie' })
      .expect(201);
    const loggedIn = await ctx.http
      .post('/api/v1/auth/login')
      .send({ ...credentials(customer), refreshTokenDelivery: 'cookie' })
      .expect(200);
    for (const res of [registered, loggedIn]) {
      assert.equal(res.body.refreshToken, undefined, 'the token must not be readable by the page');
      assert.equal(typeof res.body.accessToken, 'string');
      assert.equal(res.headers['cache-control'], 'no-store');
      const cookie = refreshCookie(res);
      assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
      for (const attribute of ['httponly', 'secure', 'samesite=strict', 'path=/api/v1/auth', 'max-age=3600'])
        assert.ok(
          cookie.attributes.includes(attribute),
          `${attribute} missing from ${cookie.attributes.join('; ')}`,
        );
    }
    assert.notEqual(refreshCookie(registered).value, refreshCookie(loggedIn).value);
  });

  test('when the page refreshes with only the cookie, then the token is rotated into a new cookie, and the old one is a reuse', async () => {
    const { res, token } = await signUp();
    const rotated = await refreshWithCookie(token).expect(200);
    assert.equal(rotated.body.refreshToken, undefined);
    assert.equal(rotated.body.user.id, res.body.user.id);
    const next = refreshCookie(rotated).value;
    assert.notEqual(next, token);
    await ctx.http
      .get('/api/v1/auth/me')
      .set('authorization', `Bearer ${rotated.body.accessToken}`)
      .expect(200);

    const reuse = await refreshWithCookie(token).expect(401);
    assert.equal(reuse.body.code, 'AUTH_ERR_REFRESH_TOKEN_REUSED');
    assert.equal((await refreshWithCookie(next).expect(401)).body.code, 'AUTH_ERR_INVALID_REFRESH_TOKEN');
  });

  test('when a refresh carries neither a body token nor the cookie, then it answers 401 saying to log in', async () => {
    const res = await ctx.http.post('/api/v1/auth/refresh').send({}).expect(401);
    assert.equal(res.body.code, 'AUTH_ERR_NO_REFRESH_TOKEN');
    assert.match(res.body.detail, /log in again/);
    const empty = await ctx.http
      .post('/api/v1/auth/refresh')
      .set('cookie', 'shop_refresh=')
      .send({})
      .expect(401);
    assert.equal(empty.body.code, 'AUTH_ERR_NO_REFRESH_TOKEN');
  });

  test('when a body token comes without a delivery, then the answer keeps it in the body and sets no cookie', async () => {
    const { token } = await signUp();
    const res = await ctx.http.post('/api/v1/auth/refresh').send({ refreshToken: token }).expect(200);
    assert.equal(typeof res.body.refreshToken, 'string');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('when the page logs out with the cookie, then the cookie is cleared and its token revoked', async () => {
    const { token } = await signUp();
    const res = await ctx.http
      .post('/api/v1/auth/logout')
      .set('cookie', `shop_refresh=${token}`)
      .send({})
      .expect(204);
    const cleared = refreshCookie(res);
    assert.equal(cleared.value, '');
    assert.ok(
      cleared.attributes.includes('path=/api/v1/auth') &&
        cleared.attributes.some((a) => a === 'max-age=0' || a.startsWith('expires=thu, 01 jan 1970')),
      `not a clearing cookie: ${cleared.attributes.join('; ')}`,
    );
    assert.equal((await refreshWithCookie(token).expect(401)).body.code, 'AUTH_ERR_INVALID_REFRESH_TOKEN');
    // Signed out already: still 204, nothing to revoke.
    await ctx.http.post('/api/v1/auth/logout').send({}).expect(204);
  });

  test('when the delivery is not body or cookie, then it answers 400 and sets nothing', async () => {
    const res = await ctx.http
      .post('/api/v1/auth/login')
      .send({ email: 'a@example.com', password: 'whatever', refreshTokenDelivery: 'header' })
      .expect(400);
    assert.equal(res.headers['set-cookie'], undefined);
  });
});
