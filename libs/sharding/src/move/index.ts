export {
  abortShardMove,
  cleanupShard,
  moveShard,
  type ShardCleanupResult,
  type ShardMoveOptions,
  type ShardMoveResult,
  type ShardMoveStep,
} from './shard-move.ts';
export { ShardMoveError } from './shard-move.errors.ts';
export { SHARD_READ_ONLY_SQLSTATE, isShardReadOnlyError } from './write-freeze.ts';
// The move's own shard-map reader and publisher (shard-map.directory.ts) stay private: the package's shard
// map module owns those names.
