import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, newCustomer, startAuth, type AuthTestContext } from '../helper.ts';

describe('the admin account at start-up (ensureAdmin)', () => {
  let first: AuthTestContext;
  before(async () => {
    first = await startAuth();
  });
  after(() => first.close());

  const restart = (env: Record<string, string>) =>
    startAuth({ AUTH_DATABASE_URL: first.databaseUrl, ...env });
  const rolesOf = async (ctx: AuthTestContext, account: { email: string; password: string }) =>
    (await ctx.http.post('/api/v1/auth/login').send(credentials(account)).expect(200)).body.user.roles;

  test('when the admin email belongs to an existing customer, then the start fails and the customer is not promoted', async () => {
    const customer = newCustomer();
    await first.http.post('/api/v1/auth/register').send(customer).expect(201);
    await assert.rejects(
      restart({ ADMIN_EMAIL: customer.email, ADMIN_PASSWORD: 'a strong admin passphrase' }),
      {
        message: new RegExp(
          `${customer.email} belongs to an existing account without the admin role.*Set ADMIN_EMAIL`,
        ),
      },
    );
    assert.deepEqual(await rolesOf(first, customer), ['customer']);
  });

  test('when the admin email is new, then the admin is created; and when it is an admin already, then the start goes on', async () => {
    const admin = newCustomer({ password: 'a strong admin passphrase' });
    const created = await restart({ ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password });
    await created.app.close();
    const again = await restart({ ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: 'another admin passphrase' });
    await again.app.close();
    assert.deepEqual((await rolesOf(first, admin)).sort(), ['admin', 'customer']);
  });
});
