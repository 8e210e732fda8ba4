export { LOGICAL_SHARDS, logicalShardOf } from './shard-key.ts';
export { newOrderId, shardOfOrderId } from './order-id.ts';
export { shardSchema } from './shard-schema.ts';
export { ShardingErrors, ShardMapConflictError, ShardMapError } from './sharding.errors.ts';
export { parseShardServers, redactUrl, SERVER_NAME, type ShardServers } from './shard-servers.ts';
export {
  describeAssignments,
  parseAssignments,
  spreadAssignments,
  validateShardMap,
  type ShardAssignment,
  type ShardMap,
  type ShardMapExpectations,
  type ShardState,
} from './directory/shard-map.ts';
export {
  DIRECTORY_SCHEMA,
  ensureShardDirectory,
  nextShardMap,
  publishShardMap,
  readShardMap,
  seedShardMap,
  SHARD_MAP_CHANNEL,
  SHARD_MAP_TABLE,
  type DirectoryConnection,
} from './directory/shard-directory.ts';
export {
  ShardMapWatcher,
  type ShardMapListener,
  type ShardMapWatcherOptions,
} from './directory/shard-map-watcher.ts';
export {
  ShardedDatabase,
  type ShardClient,
  type ShardedDatabaseOptions,
  type ShardPlacement,
} from './sharded-database.ts';
export { migrateShards, type MigrateShardsOptions, type ShardMigration } from './migrate-shards.ts';
export {
  decodeCursor,
  encodeCursor,
  newestFirst,
  scatterGather,
  type ListingKey,
  type ScatterGatherOptions,
  type ScatterGatherPage,
} from './scatter-gather.ts';
export { shardingMetrics, type ShardingMetrics } from './metrics.ts';
export * from './move/index.ts';
