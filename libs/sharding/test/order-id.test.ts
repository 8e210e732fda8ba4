import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newOrderId, shardOfOrderId } from '../src/index.ts';

test('when an order id is made for a shard, then the id alone names that shard and is a version 7 UUID', () => {
  for (let shard = 0; shard < 16; shard++) {
    const id = newOrderId(shard);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(shardOfOrderId(id, 16), shard);
  }
  assert.equal(shardOfOrderId(newOrderId(255), 256), 255);
});

test('when ids are made later, then they sort after earlier ones (time-ordered, for index locality)', () => {
  const start = Date.parse('2026-11-27T00:00:00Z');
  const ids = [0, 1, 2, 1_000, 86_400_000].map((offset, i) => newOrderId(15 - i, start + offset));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(ids[0]!.slice(0, 13).replace('-', ''), start.toString(16).padStart(12, '0'));
});

test('when two ids are made in the same millisecond for the same shard, then they still differ', () => {
  const now = Date.now();
  const ids = new Set(Array.from({ length: 1_000 }, () => newOrderId(3, now)));
  assert.equal(ids.size, 1_000);
});

test('when an id is malformed, forged with a shard the deployment lacks, or not ours, then it names no shard', () => {
  const valid = newOrderId(7);
  for (const id of [
    '',
    'not-an-id',
    valid.toUpperCase(),
    `urn:uuid:${valid}`,
    `${valid}0`,
    '0b7f3a52-8c61-4c57-9d0e-3f1f3b2a9c10', // a version 4 UUID
    valid.replace(/^(.{19})./, '$1c'), // variant bits not 10
    newOrderId(16), // a shard past the 16 this deployment has
  ]) {
    assert.equal(shardOfOrderId(id, 16), undefined, id);
  }
});
