import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@shop/testing';
import pg from 'pg';
import { newCustomer, problemType, startAuth, type AuthTestContext } from '../helper.ts';

describe('auth when every database connection is busy', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth({ DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '200' });
  });
  after(() => ctx.close());

  test('then a request that cannot get a connection in time is answered 503 with Retry-After, and the waiting one completes', async () => {
    const blocker = new pg.Client({ connectionString: ctx.databaseUrl });
    await blocker.connect();
    try {
      // Whatever a login reads first, it waits here while holding the service's only connection.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const waiting = ctx.http
        .post('/api/v1/auth/login')
        .send({ email: 'nobody@example.com', password: 'not the password' })
        .then((response) => response);
      await eventually('the login waiting on the locked table', async () => {
        const rows = await ctx.sql(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = 'auth' AND wait_event_type = 'Lock'",
        );
        return rows.length === 1;
      });

      const shed = await ctx.http.post('/api/v1/auth/register').send(newCustomer());
      assert.equal(shed.status, 503, JSON.stringify(shed.body));
      assert.match(shed.headers['content-type']!, problemType);
      assert.equal(shed.body.code, 'DATABASE_ERR_BUSY');
      assert.equal(shed.headers['retry-after'], '1');

      await blocker.query('COMMIT');
      assert.equal((await waiting).status, 401);
    } finally {
      await blocker.end();
    }
  });
});

describe('auth when a value cannot be stored or compared by PostgreSQL', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth();
  });
  after(() => ctx.close());

  test('when a login email holds a NUL character, then it is a 400 problem+json, not a 500', async () => {
    const res = await ctx.http
      .post('/api/v1/auth/login')
      .send({ email: 'ada\u0000@example.com', password: 'correct horse battery staple' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.headers['content-type']!, problemType);
  });

  test('when a registration name holds a NUL character, then it is a 400 problem+json and nothing is stored', async () => {
    const customer = newCustomer({ name: 'Ada\u0000Lovelace' });
    const res = await ctx.http.post('/api/v1/auth/register').send(customer);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.headers['content-type']!, problemType);
    assert.deepEqual(await ctx.sql('SELECT 1 FROM users WHERE email = $1', [customer.email]), []);
  });
});
