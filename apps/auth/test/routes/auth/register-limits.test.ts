import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import argon2 from 'argon2';
import { newCustomer, startAuth, type AuthTestContext } from '../../helper.ts';

const register = (ctx: AuthTestContext, ip: string) =>
  ctx.http.post('/api/v1/auth/register').set('x-forwarded-for', ip).send(newCustomer());

describe('registration limits', () => {
  const contexts: AuthTestContext[] = [];
  const start = async (env: Record<string, string>) => {
    const ctx = await startAuth(env);
    contexts.push(ctx);
    return ctx;
  };
  after(() => Promise.all(contexts.map((ctx) => ctx.close())));

  test('when one client signs up more often than allowed, then it gets 429 before any hashing, and others do not', async (t) => {
    const ctx = await start({ REGISTRATION_MAX_PER_IP: '2' });
    await register(ctx, '198.51.100.20').expect(201);
    await register(ctx, '198.51.100.20').expect(201);
    const hash = t.mock.method(argon2, 'hash');
    const res = await register(ctx, '198.51.100.20').expect(429);
    assert.equal(res.body.code, 'AUTH_ERR_TOO_MANY_REGISTRATIONS');
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.equal(hash.mock.callCount(), 0, 'the refused sign-up was not hashed');
    await register(ctx, '198.51.100.21').expect(201);
  });

  test('when all clients together sign up more often than allowed, then the next one gets 429', async () => {
    const ctx = await start({ REGISTRATION_MAX_PER_MINUTE: '3' });
    for (let i = 1; i <= 3; i += 1) await register(ctx, `198.51.100.${30 + i}`).expect(201);
    const res = await register(ctx, '198.51.100.40').expect(429);
    assert.equal(res.body.code, 'AUTH_ERR_TOO_MANY_REGISTRATIONS');
  });

  test('when more sign-ups arrive at once than the hasher and its queue hold, then the extra one gets 503 with Retry-After', async (t) => {
    const ctx = await start({ ARGON2_MAX_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '1' });
    // Hashing is held until the three requests have been answered or have all reached argon2, so the
    // test does not depend on how long a hash takes.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const original = argon2.hash.bind(argon2);
    let started = 0;
    t.mock.method(argon2, 'hash', async (...args: Parameters<typeof argon2.hash>) => {
      started += 1;
      if (started === 3) release();
      await released;
      return original(...args);
    });
    const results = await Promise.all(
      ['198.51.100.51', '198.51.100.52', '198.51.100.53'].map((ip) =>
        register(ctx, ip).then((res) => (release(), res)),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 503]);
    const busy = results.find((r) => r.status === 503);
    assert.equal(busy?.body.code, 'AUTH_ERR_BUSY');
    assert.equal(busy?.headers['retry-after'], '1');
  });
});
