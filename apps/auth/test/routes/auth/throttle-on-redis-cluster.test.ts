import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRedisCluster, type LocalRedisCluster } from '@shop/testing';
import { expectLockoutSharedBetweenReplicas, startAuth, type AuthTestContext } from '../../helper.ts';

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
    await expectLockoutSharedBetweenReplicas(replicaA, replicaB, 3);
    assert.equal((await replicaB.http.get('/ready').expect(200)).body.checks.redis, 'up');
  });
});
