import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import argon2 from 'argon2';
import { credentials, newCustomer, startAuth, type AuthTestContext } from '../../helper.ts';

describe('login throttling', () => {
  let ctx: AuthTestContext;
  before(async () => {
    ctx = await startAuth({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '6',
      LOGIN_THROTTLE_WINDOW_SECONDS: '60',
      LOGIN_LOCKOUT_SECONDS: '60',
    });
  });
  after(() => ctx.close());

  const login = (body: object, ip: string) =>
    ctx.http.post('/api/v1/auth/login').set('x-forwarded-for', ip).send(body);
  const registered = async () => {
    const customer = newCustomer();
    await ctx.http
      .post('/api/v1/auth/register')
      .set('x-forwarded-for', '192.0.2.200')
      .send(customer)
      .expect(201);
    return customer;
  };

  test('when a client collects too many failures on an account, then even its right password gets 429 with Retry-After', async () => {
    const customer = await registered();
    for (let i = 0; i < 3; i += 1)
      await login({ email: customer.email, password: `wrong password ${i}` }, '198.51.100.1').expect(401);

    const res = await login(credentials(customer), '198.51.100.1').expect(429);
    assert.equal(res.body.code, 'AUTH_ERR_TOO_MANY_ATTEMPTS');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${res.headers['retry-after']}`);
  });

  test('when a stranger fails on an account from one address, then the owner still logs in from another', async () => {
    const customer = await registered();
    for (let i = 0; i < 5; i += 1)
      await login({ email: customer.email, password: `guess ${i}` }, '198.51.100.66').expect(
        i < 3 ? 401 : 429,
      );
    await login(credentials(customer), '198.51.100.77').expect(200);
  });

  test('when failures come from addresses of one IPv6 /64, then they count as one client', async () => {
    const customer = await registered();
    for (let i = 1; i <= 3; i += 1)
      await login({ email: customer.email, password: 'wrong password' }, `2001:db8:7:7::${i}`).expect(401);
    await login(credentials(customer), '2001:db8:7:7::99').expect(429);
    await login(credentials(customer), '2001:db8:7:8::1').expect(200);
  });

  test('when a success comes before the limit, then the account counter starts over', async () => {
    const customer = await registered();
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
    const customer = await registered();
    await login(credentials(customer), sprayer).expect(429);
    await login(credentials(customer), '203.0.113.10').expect(200);
  });

  test('when 100 wrong passwords for one account arrive at once, then at most the limit reach argon2 and the rest get 429', async (t) => {
    const customer = await registered();
    const verify = t.mock.method(argon2, 'verify');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        login({ email: customer.email, password: `concurrent guess ${i}` }, '198.51.100.100'),
      ),
    );
    const verified = verify.mock.callCount();

    const refused = results.filter((r) => r.status === 429);
    assert.ok(verified >= 1 && verified <= 3, `${verified} guesses reached argon2`);
    assert.equal(results.filter((r) => r.status === 401).length, verified);
    assert.equal(refused.length, 100 - verified);
    assert.ok(refused.every((r) => Number(r.headers['retry-after']) > 0));
  });
});
