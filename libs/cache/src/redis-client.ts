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

/** Creates the command and subscriber clients for a single node or a cluster, tuned for a cache. */
export function createRedisClients(
  connection: RedisConnection,
  options: RedisClientOptions = {},
): RedisClients {
  const connectTimeout = options.connectTimeoutMs ?? 2_000;
  // No offline queue and no resend after reconnect: a command that cannot run now fails fast, and a
  // SET queued during an outage can never land later on top of a newer invalidation.
  const commandOptions = {
    commandTimeout: options.commandTimeoutMs ?? 100,
    connectTimeout,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
  if ('clusterNodes' in connection) {
    const nodes = connection.clusterNodes.map(parseNode);
    return {
      client: new Cluster(nodes, {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: reconnectDelay,
        redisOptions: commandOptions,
      }),
      // The subscriber may queue SUBSCRIBE until connected; ioredis re-subscribes after reconnects.
      subscriber: new Cluster(nodes, {
        clusterRetryStrategy: reconnectDelay,
        redisOptions: { connectTimeout },
      }),
    };
  }
  return {
    client: new Redis(connection.url, {
      ...commandOptions,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      retryStrategy: reconnectDelay,
    }),
    subscriber: new Redis(connection.url, { connectTimeout, retryStrategy: reconnectDelay }),
  };
}

function parseNode(node: string): { host: string; port: number } {
  const colon = node.lastIndexOf(':');
  const port = Number(node.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0) {
    throw new Error(`Invalid Redis Cluster node "${node}": list the nodes as host:port, e.g. redis-0:6379`);
  }
  return { host: node.slice(0, colon), port };
}
