import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAuth, type AuthTestContext } from '../../helper.ts';

// Text PostgreSQL cannot store (NUL) used to reach it and fail as a 500; the schemas refuse it with a 400.
describe('auth: input PostgreSQL cannot hold is a 400, never a 500', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth();
  });
  after(() => ctx.close());

  const expectInvalid = (
    response: { status: number; body: { code: string; errors?: { field: string }[] } },
    field: string,
  ) => {
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.code, 'PLATFORM_ERR_VALIDATION');
    assert.ok(
      response.body.errors?.some((error) => error.field === field),
      JSON.stringify(response.body.errors),
    );
  };

  test('when a name to register has a NUL character, then 400 and no account', async () => {
    const response = await ctx.http
      .post('/api/v1/auth/register')
      .send({ email: 'nul@example.com', password: 'correct horse battery', name: 'Ada\u0000' });
    expectInvalid(response, 'body.name');
  });

  test('when the email to log in with has a NUL character, then 400', async () => {
    const response = await ctx.http
      .post('/api/v1/auth/login')
      .send({ email: 'ada\u0000@example.com', password: 'correct horse battery' });
    expectInvalid(response, 'body.email');
  });
});
