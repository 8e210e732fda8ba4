export { LOGICAL_SHARDS, logicalShardOf } from './shard-key.ts';
export { newOrderId, shardOfOrderId } from './order-id.ts';
export * from './move/index.ts';
