import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ensureShardDirectory,
  nextShardMap,
  parseAssignments,
  publishShardMap,
  readShardMap,
  seedShardMap,
  SHARD_MAP_TABLE,
  ShardMapConflictError,
  ShardMapError,
  type ShardMap,
} from '../src/index.ts';
import { createTestServers } from './support/test-servers.ts';

const expected = { shardCount: 16, servers: ['a', 'b'] };

describe('the shard directory', () => {
  let env: Awaited<ReturnType<typeof createTestServers>>;
  before(async () => {
    env = await createTestServers([]);
  });
  after(() => env.drop());

  async function versions(): Promise<number[]> {
    const result = await env.directory.query<{ version: string }>(
      `SELECT version::text FROM ${SHARD_MAP_TABLE} ORDER BY version`,
    );
    return result.rows.map((row) => Number(row.version));
  }

  it('when replicas create the directory at once and seed it, then there is one table and version 1 from the initial assignment', async () => {
    await Promise.all(Array.from({ length: 4 }, () => ensureShardDirectory(env.directory)));
    const seeds = await Promise.all(
      Array.from({ length: 4 }, () =>
        seedShardMap(
          env.directory,
          { shardCount: 16, assignments: parseAssignments('a:0-7,b:8-15', 16), note: 'seed' },
          expected,
        ),
      ),
    );
    assert.equal(seeds.filter((seed) => seed.seeded).length, 1);
    for (const { map } of seeds) {
      assert.equal(map.version, 1);
      assert.deepEqual(map.assignments[7], { shard: 7, server: 'a', state: 'active' });
      assert.deepEqual(map.assignments[8], { shard: 8, server: 'b', state: 'active' });
    }
    const again = await seedShardMap(
      env.directory,
      { shardCount: 16, assignments: parseAssignments('b:0-15', 16) },
      expected,
    );
    assert.deepEqual(again, { map: seeds[0]!.map, seeded: false }, 'a seeded directory is left alone');
    const row = await env.directory.query(
      `SELECT note, shard_count FROM ${SHARD_MAP_TABLE} WHERE version = 1`,
    );
    assert.deepEqual(row.rows, [{ note: 'seed', shard_count: 16 }]);
  });

  it('when a map leaves a shard out, names an unknown server or changes the shard count, then publishing refuses it and writes nothing', async () => {
    const current = (await readShardMap(env.directory, expected))!;
    const missing: ShardMap = { ...nextShardMap(current, []), assignments: current.assignments.slice(1) };
    await assert.rejects(publishShardMap(env.directory, missing, 'bad', expected), (error: Error) => {
      assert.ok(error instanceof ShardMapError);
      assert.match(error.message, /shard 0 is not assigned/);
      return true;
    });
    await assert.rejects(
      publishShardMap(env.directory, nextShardMap(current, [{ shard: 3, server: 'c' }]), 'bad', expected),
      /shard 3 is on server "c", which this replica has no URL for/,
    );
    const eight = { version: 2, shardCount: 8, assignments: parseAssignments('a:0-7', 8) };
    await assert.rejects(
      publishShardMap(env.directory, eight, 'bad'),
      /has 8 shards but this deployment is configured for 16/,
    );
    assert.deepEqual(await versions(), [1]);
  });

  it('when publishers race for the next version, then exactly one wins and the others are told to re-read', async () => {
    const current = (await readShardMap(env.directory, expected))!;
    const attempts = await Promise.allSettled(
      ['a', 'b', 'a', 'b', 'a'].map((server, i) =>
        publishShardMap(
          env.directory,
          nextShardMap(current, [{ shard: i, server: server === 'a' ? 'b' : 'a' }]),
          `move ${i}`,
          expected,
        ),
      ),
    );
    const won = attempts.filter((attempt) => attempt.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const attempt of attempts.filter((a) => a.status === 'rejected')) {
      const reason = (attempt as PromiseRejectedResult).reason as ShardMapConflictError;
      assert.ok(reason instanceof ShardMapConflictError, String(reason));
      assert.equal(reason.currentVersion, 2);
      assert.match(reason.message, /current version is 2, so the next must be 3.*read the current map/);
    }
    assert.deepEqual(await versions(), [1, 2]);
    assert.deepEqual(
      await readShardMap(env.directory, expected),
      (won[0] as PromiseFulfilledResult<ShardMap>).value,
    );
  });

  it('when the newest row in the table is invalid (written by hand), then reading it refuses with what is wrong', async () => {
    await env.directory.query(
      `INSERT INTO ${SHARD_MAP_TABLE} (version, shard_count, assignments) VALUES (3, 16, '[]')`,
    );
    await assert.rejects(
      readShardMap(env.directory, expected),
      /shard map version 3 is invalid: shard 0 is not assigned/,
    );
    await env.directory.query(`DELETE FROM ${SHARD_MAP_TABLE} WHERE version = 3`);
  });

  it('when the map passes version 9, then the newest is still the highest number (10 sorts after 9)', async () => {
    let map = (await readShardMap(env.directory, expected))!;
    while (map.version < 10) {
      map = await publishShardMap(
        env.directory,
        nextShardMap(map, [{ shard: 0, server: map.assignments[0]!.server === 'a' ? 'b' : 'a' }]),
        `flip ${map.version + 1}`,
        expected,
      );
    }
    assert.equal((await readShardMap(env.directory, expected))?.version, 10);
    const eleventh = await publishShardMap(env.directory, nextShardMap(map, []), 'eleventh', expected);
    assert.equal(eleventh.version, 11);
    assert.deepEqual(await readShardMap(env.directory, expected), eleventh);
  });
});
