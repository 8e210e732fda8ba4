import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getRedis, uniqueKeyPrefix } from '@shop/testing';
import { expectLockoutSharedBetweenReplicas, startAuth, type AuthTestContext } from '../../helper.ts';

describe('login throttling with Redis', () => {
  let replicaA: AuthTestContext;
  let replicaB: AuthTestContext;
  before(async () => {
    const { url } = await getRedis();
    const env = {
      REDIS_URL: url,
      REDIS_KEY_PREFIX: uniqueKeyPrefix('auth'),
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_THROTTLE_WINDOW_SECONDS: '60',
    };
    [replicaA, replicaB] = await Promise.all([startAuth(env), startAuth(env)]);
  });
  after(() => Promise.all([replicaA.close(), replicaB.close()]));

  test('when failures land on one replica, then another replica refuses the account too', async () => {
    await expectLockoutSharedBetweenReplicas(replicaA, replicaB, 3);
  });

  test('when Redis is configured, then readiness reports it', async () => {
    const res = await replicaA.http.get('/ready').expect(200);
    assert.equal(res.body.checks.redis, 'up');
  });
});
