import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '@shop/platform';
import { startRedisCluster, type LocalRedisCluster } from '@shop/testing';
import { Redis } from 'ioredis';
import {
  cacheCounters,
  createProduct,
  expectRenameSeenByBothReplicas,
  servedName,
  startProduct,
  type ProductTestContext,
} from '../helper.ts';

// Kubernetes runs the product service against a 3-node Redis Cluster (REDIS_CLUSTER_NODES): the same
// service, two replicas, on a real local cluster: keys spread over slots, pub/sub across nodes.
describe('the product service on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let ctx: ProductTestContext;
  let replica: Service;
  before(async () => {
    cluster = await startRedisCluster(3);
    ctx = await startProduct({ REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes.join(',') });
    replica = await ctx.startReplica();
  });
  after(async () => {
    await ctx.close();
    await cluster.dispose();
  });

  test('when a product is read by two replicas, then the database is read once and the value lives in the cluster', async () => {
    const { id } = await createProduct(ctx);
    const [writerBefore, replicaBefore] = await Promise.all([
      cacheCounters(ctx.app, 'product'),
      cacheCounters(replica, 'product'),
    ]);

    await ctx.http.get(`/api/v1/products/${id}`).expect(200);
    await servedName(replica, id);

    const [writerAfter, replicaAfter] = await Promise.all([
      cacheCounters(ctx.app, 'product'),
      cacheCounters(replica, 'product'),
    ]);
    assert.equal(writerAfter.loads - writerBefore.loads, 1, 'the first replica loaded it');
    assert.equal(replicaAfter.loads - replicaBefore.loads, 0, 'the second found it in the cluster');
    assert.equal(replicaAfter.hit - replicaBefore.hit, 1);
    const nodes = cluster.nodes.map((node) => new Redis(`redis://${node}`));
    try {
      const holders = await Promise.all(nodes.map(async (node) => (await node.keys(`*${id}*`)).length));
      assert.deepEqual(holders.toSorted(), [0, 0, 1], 'exactly one node holds the key (its slot owner)');
    } finally {
      await Promise.all(nodes.map((node) => node.quit()));
    }
  });

  test('when an admin changes a product, then both replicas show the change (invalidation across nodes)', async () => {
    await expectRenameSeenByBothReplicas(ctx, replica);
  });
});
