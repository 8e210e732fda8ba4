import { Cluster, Redis } from 'ioredis';

/** Where Redis lives: one node by URL, or a Redis Cluster by its seed nodes (`host:port`). */
export type RedisConnection = { url: string } | { clusterNodes: readonly string[] };

/** Timeouts of the Redis clients. */
export interface RedisClientOptions {
  /** A command without a reply after this long fails, so a slow Redis costs at most this. Default 100. */
  commandTimeoutMs?: number;
  /** Default 2000. */
  connectTimeoutMs?: number;
}

/** A client for commands and a separate one for pub/sub (a subscribed connection cannot run GET). */
export interface RedisClients {
  client: Redis | Cluster;
  subscriber: Redis | Cluster;
}

const reconnectDelay = (attempt: number): number => Math.min(50 * 2 ** attempt, 2_000);

/**
 * A command client for a single node or a cluster: no offline queue and no resend after a reconnect, so
 * a command that cannot run now fails fast (a SET queued during an outage can never land later on top of
 * a newer invalidation, a throttle falls back at once), with auto-pipelining and capped reconnect delays.
 */
export function createRedisClient(
  connection: RedisConnection,
  options: RedisClientOptions = {},
): Redis | Cluster {
  const redisOptions = {
    commandTimeout: options.commandTimeoutMs ?? 100,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
  if ('clusterNodes' in connection) {
    return new Cluster(connection.clusterNodes.map(parseNode), {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelay,
      redisOptions,
    });
  }
  return new Redis(connection.url, {
    ...redisOptions,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    retryStrategy: reconnectDelay,
  });
}

/** Creates the command and subscriber clients for a single node or a cluster, tuned for a cache. */
export function createRedisClients(
  connection: RedisConnection,
  options: RedisClientOptions = {},
): RedisClients {
  const connectTimeout = options.connectTimeoutMs ?? 2_000;
  const client = createRedisClient(connection, options);
  if ('clusterNodes' in connection) {
    return {
      client,
      // The subscriber may queue SUBSCRIBE until connected; ioredis re-subscribes after reconnects.
      subscriber: new Cluster(connection.clusterNodes.map(parseNode), {
        clusterRetryStrategy: reconnectDelay,
        redisOptions: { connectTimeout },
      }),
    };
  }
  return { client, subscriber: new Redis(connection.url, { connectTimeout, retryStrategy: reconnectDelay }) };
}

function parseNode(node: string): { host: string; port: number } {
  const colon = node.lastIndexOf(':');
  const port = Number(node.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0) {
    throw new Error(`Invalid Redis Cluster node "${node}": list the nodes as host:port, e.g. redis-0:6379`);
  }
  return { host: node.slice(0, colon), port };
}
