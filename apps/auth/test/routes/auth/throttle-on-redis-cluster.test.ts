import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRedisCluster, type LocalRedisCluster } from '@shop/testing';
import { newCustomer, startAuth, type AuthTestContext } from '../../helper.ts';

describe('login throttling on a Redis Cluster (as Kubernetes runs Redis)', () => {
  let cluster: LocalRedisCluster;
  let replicaA: AuthTestContext;
  let replicaB: AuthTestContext;
  before(async () => {
    cluster = await startRedisCluster(3);
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodes.join(','),
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_THROTTLE_WINDOW_SECONDS: '60',
    };
    [replicaA, replicaB] = await Promise.all([startAuth(env), startAuth(env)]);
  });
  after(async () => {
    await Promise.all([replicaA.close(), replicaB.close()]);
    await cluster.dispose();
  });

  test('when failures land on one replica, then another replica refuses the account too, and readiness reports redis', async () => {
    const { email } = newCustomer();
    for (let i = 0; i < 3; i += 1) {
      await replicaA.http
        .post('/api/v1/auth/login')
        .send({ email, password: `wrong password ${i}` })
        .expect(401);
    }
    const res = await replicaB.http
      .post('/api/v1/auth/login')
      .send({ email, password: 'any password at all' })
      .expect(429);
    assert.equal(res.body.code, 'AUTH_ERR_TOO_MANY_ATTEMPTS');
    assert.equal((await replicaB.http.get('/ready').expect(200)).body.checks.redis, 'up');
  });
});
