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
