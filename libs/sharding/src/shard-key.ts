import { createHash } from 'node:crypto';

/** How many logical shards the order data is split into; fixed per deployment (changing it is a re-shard). */
export const LOGICAL_SHARDS = 16;

/**
 * The logical shard (0 .. shardCount - 1) that owns a customer's orders: the first four bytes of the
 * SHA-256 of the id's UTF-8 bytes, big-endian, modulo the count. SHA-256 rather than a faster hash because
 * it is the same everywhere (a SQL function, a script in any language, a future version of this code
 * recomputes it without our source), its output is uniform whatever the ids look like (sequential,
 * prefixed, UUIDs), and it costs about a microsecond, nothing beside the query it routes. 2^32 is a
 * multiple of every power-of-two shard count, so the modulo adds no bias for 16.
 */
export function logicalShardOf(customerId: string, shardCount: number = LOGICAL_SHARDS): number {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 256) {
    throw new RangeError(
      `shardCount must be an integer from 1 to 256 (order ids hold 8 bits), not ${shardCount}`,
    );
  }
  return createHash('sha256').update(customerId, 'utf8').digest().readUInt32BE(0) % shardCount;
}
