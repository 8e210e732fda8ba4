import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { credentials, newCustomer, startAuth, type AuthTestContext } from '../../helper.ts';

describe('login throttling', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '6',
      LOGIN_THROTTLE_WINDOW_SECONDS: '60',
    });
  });
  after(() => ctx.close());

  const login = (body: object, ip: string) =>
    ctx.http.post('/api/v1/auth/login').set('x-forwarded-for', ip).send(body);

  test('when an account collects too many failures, then even the right password gets 429 with Retry-After', async () => {
    const customer = newCustomer();
    await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    for (let i = 0; i < 3; i += 1)
      await login({ email: customer.email, password: `wrong password ${i}` }, '198.51.100.1').expect(401);

    const res = await login(credentials(customer), '198.51.100.2').expect(429);
    assert.equal(res.body.code, 'AUTH_ERR_TOO_MANY_ATTEMPTS');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${res.headers['retry-after']}`);
  });

  test('when a success comes before the limit, then the account counter starts over', async () => {
    const customer = newCustomer();
    await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    for (let i = 0; i < 2; i += 1)
      await login({ email: customer.email, password: 'wrong password' }, '198.51.100.3').expect(401);
    await login(credentials(customer), '198.51.100.3').expect(200);
    for (let i = 0; i < 2; i += 1)
      await login({ email: customer.email, password: 'wrong password' }, '198.51.100.3').expect(401);
    await login(credentials(customer), '198.51.100.3').expect(200);
  });

  test('when one address sprays many accounts, then that address is throttled and others are not', async () => {
    const sprayer = '203.0.113.9';
    for (let i = 0; i < 6; i += 1) {
      await login(
        { email: `victim-${i}-${crypto.randomUUID()}@example.com`, password: 'Password123!' },
        sprayer,
      ).expect(401);
    }
    const customer = newCustomer();
    await ctx.http.post('/api/v1/auth/register').send(customer).expect(201);
    await login(credentials(customer), sprayer).expect(429);
    await login(credentials(customer), '203.0.113.10').expect(200);
  });
});
