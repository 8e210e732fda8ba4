import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeAssignments,
  parseAssignments,
  ShardMapError,
  spreadAssignments,
  validateShardMap,
  type ShardAssignment,
} from '../src/index.ts';

const onA = (count: number): ShardAssignment[] =>
  Array.from({ length: count }, (_, shard) => ({ shard, server: 'a', state: 'active' as const }));

function refusal(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ShardMapError, String(error));
    assert.equal(error.code, 'SHARD_ERR_INVALID_MAP');
    assert.match(error.message, pattern);
    return true;
  };
}

describe('validateShardMap', () => {
  it('when every shard is assigned once to a known server, then the map is returned sorted by shard', () => {
    const assignments = onA(4).reverse();
    const map = validateShardMap(
      { version: 3, shardCount: 4, assignments },
      { shardCount: 4, servers: ['a'] },
    );
    assert.deepEqual(map, { version: 3, shardCount: 4, assignments: onA(4) });
  });

  it('when the map has another shard count than configured, then it is refused naming both numbers', () => {
    assert.throws(
      () => validateShardMap({ version: 1, shardCount: 8, assignments: onA(8) }, { shardCount: 16 }),
      refusal(/has 8 shards but this deployment is configured for 16.*re-shard/),
    );
  });

  it('when shards are missing, doubled, out of range, on unknown servers or in unknown states, then every problem is named', () => {
    const assignments = [
      { shard: 0, server: 'a', state: 'active' },
      { shard: 0, server: 'a', state: 'active' },
      { shard: 2, server: 'c', state: 'active' },
      { shard: 3, server: 'a', state: 'moving' },
      { shard: 4, server: 'a', state: 'active' },
    ];
    assert.throws(
      () =>
        validateShardMap({ version: 2, shardCount: 4, assignments }, { shardCount: 4, servers: ['a', 'b'] }),
      refusal(
        /shard map version 2 is invalid: .*shard 2 is on server "c", which this replica has no URL for \(configured: a, b\).*state "moving".*names shard 4, not one of 0..3.*shard 0 is assigned 2 times.*shard 1 is not assigned/,
      ),
    );
  });

  it('when the version or the assignments are not what a map holds, then it is refused', () => {
    assert.throws(
      () => validateShardMap({ version: 0, shardCount: 1, assignments: onA(1) }, { shardCount: 1 }),
      refusal(/positive integer/),
    );
    assert.throws(
      () => validateShardMap({ version: 1, shardCount: 1, assignments: {} }, { shardCount: 1 }),
      refusal(/must be an array/),
    );
  });
});

describe('assignments', () => {
  it('when an operator writes ranges per server, then each shard gets its server, active', () => {
    const assignments = parseAssignments('a:0-7, b:8-14,15', 16);
    assert.equal(assignments.length, 16);
    assert.deepEqual(assignments[7], { shard: 7, server: 'a', state: 'active' });
    assert.deepEqual(assignments[15], { shard: 15, server: 'b', state: 'active' });
    assert.equal(describeAssignments(assignments), 'a:0-7,b:8-15');
  });

  it('when the text is unreadable or leaves a shard out, then it is refused', () => {
    assert.throws(() => parseAssignments('a:0-x', 16), /cannot be read at "a:0-x"/);
    assert.throws(() => parseAssignments('0-15', 16), /cannot be read/);
    assert.throws(() => parseAssignments('a:0-14', 16), /shard 15 is not assigned/);
  });

  it('when no assignment is given, then the shards are spread in contiguous ranges over the servers in order', () => {
    assert.equal(describeAssignments(spreadAssignments(['a', 'b'], 16)), 'a:0-7,b:8-15');
    assert.equal(describeAssignments(spreadAssignments(['a'], 16)), 'a:0-15');
    assert.equal(describeAssignments(spreadAssignments(['a', 'b', 'c'], 16)), 'a:0-5,b:6-10,c:11-15');
    const frozen = spreadAssignments(['a'], 4).map((a) =>
      a.shard === 2 ? { ...a, state: 'frozen' as const } : a,
    );
    assert.equal(describeAssignments(frozen), 'a:0-3 (frozen: 2)');
  });
});
