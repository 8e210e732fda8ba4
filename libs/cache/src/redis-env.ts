import { Type } from 'typebox';
import type { RedisConnection } from './redis-client.ts';

/** The Redis part of a service's environment; a service spreads it into its own env schema. */
export const redisEnv = {
  /** One Redis node; unset (and no cluster nodes): in-process stand-ins, for the embedded start only. */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Redis Cluster seed nodes, `host:port` separated by commas; wins over REDIS_URL. */
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({ pattern: '^[^,:\\s]+:\\d+(,[^,:\\s]+:\\d+)*$' })),
};

/** Where Redis lives according to a config that spread {@link redisEnv}; undefined when it names none. */
export function redisConnectionFrom(env: {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: string | undefined;
}): RedisConnection | undefined {
  if (env.REDIS_CLUSTER_NODES) return { clusterNodes: env.REDIS_CLUSTER_NODES.split(',') };
  if (env.REDIS_URL) return { url: env.REDIS_URL };
  return undefined;
}
