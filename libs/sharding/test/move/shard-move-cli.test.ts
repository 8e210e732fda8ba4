import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MIGRATIONS_DIR, startMoveCluster, type MoveCluster } from './move-cluster.ts';

const TOOL = join(import.meta.dirname, '..', '..', '..', '..', 'tools', 'shard-move.ts');
const run = promisify(execFile);

interface ToolRun {
  readonly code: number;
  readonly stderr: string;
}

async function shardTool(args: string[], env: Record<string, string>): Promise<ToolRun> {
  try {
    const { stderr } = await run(process.execPath, [TOOL, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

describe('the shard:move and shard:cleanup commands', () => {
  let cluster: MoveCluster;
  let env: Record<string, string>;
  before(async () => {
    cluster = await startMoveCluster();
    env = {
      ORDER_SHARD_SERVERS: `a=${cluster.servers.a},b=${cluster.servers.b}`,
      ORDER_SHARD_DIRECTORY_URL: cluster.servers.a,
    };
  });
  after(async () => {
    await cluster?.stop();
  });

  it('when a shard is moved and its old copy cleaned up, then each step is reported and the map points at b', async () => {
    const moved = await shardTool(['move', '3', 'b', '--migrations', MIGRATIONS_DIR], env);
    assert.equal(moved.code, 0, moved.stderr);
    for (const step of [
      'target schema:',
      'publication:',
      'subscription:',
      'initial copy',
      'freeze:',
      'drain',
      'verify:',
      'flip:',
    ]) {
      assert.ok(moved.stderr.includes(step), `no "${step}" line in:\n${moved.stderr}`);
    }
    assert.match(moved.stderr, /writes were refused for \d+ ms/);
    assert.match(moved.stderr, /npm run shard:cleanup -- 3 a/);
    const [map] = await cluster.query<{ assignments: { shard: number; server: string; state: string }[] }>(
      'a',
      'SELECT assignments FROM shard_directory.shard_map ORDER BY version DESC LIMIT 1',
    );
    assert.deepEqual(
      map?.assignments.find((entry) => entry.shard === 3),
      { shard: 3, server: 'b', state: 'active' },
    );

    const cleaned = await shardTool(['cleanup', '3', 'a'], env);
    assert.equal(cleaned.code, 0, cleaned.stderr);
    assert.match(cleaned.stderr, /dropped orders_s03 on a/);
    assert.deepEqual(await cluster.query('a', "SELECT 1 FROM pg_namespace WHERE nspname = 'orders_s03'"), []);
  });

  it('when the move fails, then it exits 1 with the error code and what to do', async () => {
    const again = await shardTool(['move', '3', 'b', '--migrations', MIGRATIONS_DIR], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /SHARD_MOVE_ERR_ALREADY_THERE: Shard 03 is already on b/);
  });

  it('when the arguments or the environment are wrong, then it exits 2 naming the mistake', async () => {
    const badShard = await shardTool(['move', 'three', 'b'], env);
    assert.equal(badShard.code, 2);
    assert.match(badShard.stderr, /"three" is not a shard number/);
    const noServers = await shardTool(['move', '3', 'b'], { ORDER_SHARD_DIRECTORY_URL: cluster.servers.a });
    assert.equal(noServers.code, 2);
    assert.match(noServers.stderr, /Set ORDER_SHARD_SERVERS/);
    const badList = await shardTool(['move', '3', 'b'], {
      ...env,
      ORDER_SHARD_SERVERS: 'a=postgres://u:secret@h/db,b',
    });
    assert.equal(badList.code, 2);
    assert.match(
      badList.stderr,
      /ORDER_SHARD_SERVERS entry 2 has no "name=": write each entry as name=postgres/,
    );
    assert.doesNotMatch(badList.stderr, /secret/);
  });
});
