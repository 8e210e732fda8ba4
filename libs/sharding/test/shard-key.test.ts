import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { LOGICAL_SHARDS, logicalShardOf } from '../src/index.ts';

test('when a customer id is hashed, then its shard is the first four SHA-256 bytes modulo the count, as any tool can recompute', () => {
  for (const id of ['0b7f3a52-8c61-4c57-9d0e-3f1f3b2a9c10', 'customer-42', 'ünïcode-kunde']) {
    const expected = createHash('sha256').update(Buffer.from(id, 'utf8')).digest().readUInt32BE(0) % 16;
    assert.equal(logicalShardOf(id), expected, id);
    assert.equal(logicalShardOf(id), logicalShardOf(id), 'stable');
  }
});

test('when 160,000 sequential customer ids are sharded, then every shard gets within 3% of its share', () => {
  const counts = new Array<number>(LOGICAL_SHARDS).fill(0);
  const total = 160_000;
  for (let i = 0; i < total; i++) counts[logicalShardOf(`customer-${i}`)]! += 1;
  const share = total / LOGICAL_SHARDS;
  for (const [shard, count] of counts.entries()) {
    assert.ok(Math.abs(count - share) / share < 0.03, `shard ${shard} got ${count} of ${total}`);
  }
});

test('when ids differ by one character, then their shards are unrelated (not a sum of char codes)', () => {
  // A character-sum hash sends anagrams to one shard; these two would collide under it.
  const shards = new Set(
    ['ab', 'ba', 'abc', 'acb', 'bac', 'bca', 'cab', 'cba'].map((id) => logicalShardOf(id)),
  );
  assert.ok(shards.size > 2, `anagrams landed on ${shards.size} shard(s)`);
});

test('when the shard count is not an integer from 1 to 256, then it is refused', () => {
  for (const count of [0, -1, 2.5, 257]) assert.throws(() => logicalShardOf('x', count), RangeError);
});

test('when 100,000 random customer ids are sharded, then every shard gets within 10% of an even share', () => {
  const counts = new Array<number>(LOGICAL_SHARDS).fill(0);
  const total = 100_000;
  for (let i = 0; i < total; i++) counts[logicalShardOf(randomUUID())]! += 1;
  const share = total / LOGICAL_SHARDS;
  for (const [shard, count] of counts.entries()) {
    assert.ok(Math.abs(count - share) / share <= 0.1, `shard ${shard} got ${count} of ${total}`);
  }
});
