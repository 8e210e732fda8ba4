import assert from 'node:assert/strict';
import { afterEach, beforeEach, test, mock } from 'node:test';
import { AppError } from '@shop/platform';
import { createLoginThrottle } from '../../src/security/login-throttle.ts';

beforeEach(() => mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 0 }));
afterEach(() => mock.timers.reset());

const limits = {
  maxFailuresPerAccount: 3,
  maxFailuresPerIp: 1000,
  windowSeconds: 600,
  lockoutSeconds: 10,
  maxLockoutSeconds: 40,
};

async function retryAfterOf(attempt: Promise<void>): Promise<number> {
  const error = await attempt.then(
    () => assert.fail('the attempt was let through'),
    (refused: unknown) => refused,
  );
  assert.ok(error instanceof AppError && error.code === 'AUTH_ERR_TOO_MANY_ATTEMPTS', String(error));
  return Number(error.headers['retry-after']);
}

test('when a client keeps failing on one account, then each lockout lasts twice the one before, up to the maximum', async () => {
  const throttle = createLoginThrottle(limits, { redis: undefined, keyPrefix: 'test:' });
  const lockouts: number[] = [];
  for (let round = 0; round < 4; round += 1) {
    for (let i = 0; i < limits.maxFailuresPerAccount; i += 1) {
      await throttle.consumeAttempt('ada@example.com', '198.51.100.1');
    }
    const seconds = await retryAfterOf(throttle.consumeAttempt('ada@example.com', '198.51.100.1'));
    lockouts.push(seconds);
    // Refused attempts during a lockout neither count nor extend it.
    assert.equal(await retryAfterOf(throttle.consumeAttempt('ada@example.com', '198.51.100.1')), seconds);
    mock.timers.tick(seconds * 1000 + 1);
  }
  assert.deepEqual(lockouts, [10, 20, 40, 40]);
});

test('when one client is locked out of an account, then another client can still try it', async () => {
  const throttle = createLoginThrottle(limits, { redis: undefined, keyPrefix: 'test:' });
  for (let i = 0; i < limits.maxFailuresPerAccount; i += 1) {
    await throttle.consumeAttempt('ada@example.com', '198.51.100.1');
  }
  await retryAfterOf(throttle.consumeAttempt('ada@example.com', '198.51.100.1'));
  await throttle.consumeAttempt('ada@example.com', '203.0.113.5');
});

test('when the password is right, then the lockout history is forgotten', async () => {
  const throttle = createLoginThrottle(limits, { redis: undefined, keyPrefix: 'test:' });
  const failUntilLocked = async () => {
    for (let i = 0; i < limits.maxFailuresPerAccount; i += 1) {
      await throttle.consumeAttempt('ada@example.com', '198.51.100.1');
    }
    return retryAfterOf(throttle.consumeAttempt('ada@example.com', '198.51.100.1'));
  };
  assert.equal(await failUntilLocked(), 10);
  mock.timers.tick(10_001);
  await throttle.consumeAttempt('ada@example.com', '198.51.100.1');
  await throttle.recordSuccess('ada@example.com', '198.51.100.1');
  assert.equal(await failUntilLocked(), 10);
});
