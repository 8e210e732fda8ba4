import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig, buildService, type Service } from '@shop/platform';
import {
  eventually,
  getRedis,
  startRedisCluster,
  uniqueKeyPrefix,
  type LocalRedisCluster,
} from '@shop/testing';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { redisPlugin, type RedisPluginOptions } from '../src/fastify.ts';
import { redisConnectionFrom, redisEnv, type RedisConnection } from '../src/index.ts';

async function serviceWith(options: RedisPluginOptions): Promise<Service> {
  const app = await buildService(
    { name: 'redis-plugin-test', logLevel: 'silent', prettyLogs: false, bodyLimitBytes: 4_096 },
    // Unencapsulated, as a service's app plugin is, so the test sees `app.redis`.
    fp(async (service) => {
      await service.register(redisPlugin, options);
    }),
    {},
  );
  await app.ready();
  return app;
}

const fromEnv = (env: Record<string, string>): RedisConnection | undefined =>
  redisConnectionFrom(loadConfig(Type.Object(redisEnv), env));

test('when the environment names Redis, then the connection is a cluster (winning over a URL), a node, or none', () => {
  assert.deepEqual(fromEnv({ REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379', REDIS_URL: 'redis://x:1' }), {
    clusterNodes: ['redis-0:6379', 'redis-1:6379'],
  });
  assert.deepEqual(fromEnv({ REDIS_URL: 'rediss://cache:6380' }), { url: 'rediss://cache:6380' });
  assert.equal(fromEnv({}), undefined);
  assert.throws(() => fromEnv({ REDIS_CLUSTER_NODES: 'redis-0' }), /REDIS_CLUSTER_NODES/);
  assert.throws(() => fromEnv({ REDIS_URL: 'http://cache' }), /REDIS_URL/);
});

describe('redisPlugin', () => {
  let cluster: LocalRedisCluster;
  before(async () => {
    cluster = await startRedisCluster(3);
  });
  after(() => cluster.dispose());

  for (const [label, connection] of [
    ['a single node', async () => ({ url: (await getRedis()).url })],
    ['a Redis Cluster', async () => ({ clusterNodes: cluster.nodes })],
  ] as const) {
    test(`when given ${label}, then app.redis runs commands, /ready reports redis up, and closing quits`, async () => {
      const app = await serviceWith({ connection: await connection() });
      const redis = app.redis;
      assert.ok(redis);
      const key = `${uniqueKeyPrefix('redis-plugin')}counter`;
      assert.equal(await redis.incr(key), 1);
      assert.equal(await redis.incr(key), 2);
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.json().checks.redis, 'up');
      await app.close();
      await eventually('the client to have quit', () => redis.status === 'end');
    });
  }

  test('when no Redis is configured, then app.redis is undefined and /ready has no redis check', async () => {
    const app = await serviceWith({ connection: undefined });
    try {
      assert.equal(app.redis, undefined);
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.json().checks.redis, undefined);
    } finally {
      await app.close();
    }
  });

  test('when Redis is down at start-up, then the service starts anyway and /ready reports redis down', async () => {
    const app = await serviceWith({ connection: { url: 'redis://127.0.0.1:1' }, connectTimeoutMs: 200 });
    try {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().checks.redis, 'down');
    } finally {
      await app.close();
    }
  });
});
