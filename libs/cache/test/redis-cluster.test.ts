import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startRedisCluster, uniqueKeyPrefix } from '@shop/testing';
import { Redis } from 'ioredis';
import { Cache, RedisCacheStore, createRedisClients } from '../src/index.ts';
import { cacheContract } from './support/cache-contract.ts';

// The Kubernetes setup runs a 3-node Redis Cluster: same contract, real slots, real cross-node pub/sub.
const cluster = await startRedisCluster(3);
const keyPrefix = uniqueKeyPrefix('cache-cluster');

function openStore(): RedisCacheStore {
  // Behaviour, not timeouts: a generous command timeout keeps a loaded machine from causing fall-throughs.
  return new RedisCacheStore({
    ...createRedisClients({ clusterNodes: cluster.nodes }, { commandTimeoutMs: 2_000 }),
    keyPrefix,
  });
}

async function readyStore(): Promise<RedisCacheStore> {
  const store = openStore();
  assert.ok(await store.ready(10_000), `the Redis Cluster at ${cluster.nodes.join(',')} is reachable`);
  return store;
}

cacheContract('Redis Cluster store', async () => {
  const inspector = await readyStore();
  return {
    newStore: readyStore,
    remainingTtl: (key) => inspector.remainingTtl(key),
    close: () => inspector.close(),
  };
});

let nodes: Redis[];
before(() => {
  nodes = cluster.nodes.map((node) => new Redis(`redis://${node}`));
});
after(async () => {
  await Promise.all(nodes.map((node) => node.quit()));
  await cluster.dispose();
});

test('when many products are cached, then their keys spread over every node of the cluster', async (t) => {
  const cache = await Cache.open({ name: 'product', store: await readyStore() });
  t.after(() => cache.close());

  for (let i = 0; i < 60; i++) {
    const key = `product:${randomUUID()}`;
    await cache.getOrLoad(key, async () => ({ id: key }));
  }

  const perNode = await Promise.all(nodes.map((node) => node.dbsize()));
  for (const count of perNode) assert.ok(count > 0, `keys per node: ${perNode.join(', ')}`);
});
