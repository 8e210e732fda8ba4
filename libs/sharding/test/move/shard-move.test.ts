import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  abortShardMove,
  cleanupShard,
  moveShard,
  SHARD_READ_ONLY_SQLSTATE,
  ShardMoveError,
  type ShardMoveStep,
} from '../../src/index.ts';
import { schemaOf, startMoveCluster, type MoveCluster, type WriteOutcome } from './move-cluster.ts';

const WRITER_LIMIT = 3_000;
const WRITER_DEADLINE_MS = 120_000;
const WRITES_AFTER_MOVE = 20;

interface Writer {
  readonly acknowledged: WriteOutcome[];
  readonly failures: unknown[];
  /** Ends the loop after a few more writes, so some land after the flip too. */
  finish(): Promise<void>;
}

function startWriter(cluster: MoveCluster, shard: number): Writer {
  const acknowledged: WriteOutcome[] = [];
  const failures: unknown[] = [];
  const deadline = Date.now() + WRITER_DEADLINE_MS;
  let stopAt = Number.POSITIVE_INFINITY;
  const loop = (async () => {
    while (acknowledged.length < Math.min(WRITER_LIMIT, stopAt) && Date.now() < deadline) {
      try {
        acknowledged.push(await cluster.router.placeOrder(shard, deadline));
      } catch (error) {
        failures.push(error);
        return;
      }
    }
  })();
  return {
    acknowledged,
    failures,
    finish: async () => {
      stopAt = acknowledged.length + WRITES_AFTER_MOVE;
      await loop;
    },
  };
}

async function seedOrders(cluster: MoveCluster, shard: number, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    ids.push((await cluster.router.placeOrder(shard, Date.now() + 10_000)).id);
  }
  return ids;
}

async function orderIds(cluster: MoveCluster, server: 'a' | 'b', shard: number): Promise<string[]> {
  const rows = await cluster.query<{ id: string }>(
    server,
    `SELECT id FROM ${schemaOf(shard)}.orders ORDER BY id`,
  );
  return rows.map((row) => row.id);
}

async function counts(cluster: MoveCluster, server: 'a' | 'b', shard: number) {
  const [row] = await cluster.query<{ orders: number; lines: number; events: number; seqs: number }>(
    server,
    `SELECT (SELECT count(*)::int FROM ${schemaOf(shard)}.orders) AS orders,
            (SELECT count(*)::int FROM ${schemaOf(shard)}.order_lines) AS lines,
            (SELECT count(*)::int FROM ${schemaOf(shard)}.outbox_events) AS events,
            (SELECT count(DISTINCT seq)::int FROM ${schemaOf(shard)}.outbox_events) AS seqs`,
  );
  return row;
}

async function schemaExistsOn(cluster: MoveCluster, server: 'a' | 'b', shard: number): Promise<boolean> {
  const rows = await cluster.query(server, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [
    schemaOf(shard),
  ]);
  return rows.length > 0;
}

async function assignment(cluster: MoveCluster, shard: number) {
  const rows = await cluster.query<{ assignments: { shard: number; server: string; state: string }[] }>(
    'a',
    'SELECT assignments FROM shard_directory.shard_map ORDER BY version DESC LIMIT 1',
  );
  return rows[0]?.assignments.find((entry) => entry.shard === shard);
}

const interruptAt =
  (step: ShardMoveStep) =>
  (current: ShardMoveStep): void => {
    if (current === step) throw new Error(`simulated crash before ${step}`);
  };

describe('moving a logical shard between two PostgreSQL servers', () => {
  let cluster: MoveCluster;
  before(async () => {
    cluster = await startMoveCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('when shard 3 moves to b while orders are written to it and to shard 4, then every acknowledged order is on b exactly once and shard 4 never waited', async () => {
    const seeded = await seedOrders(cluster, 3, 200);
    const moving = startWriter(cluster, 3);
    const neighbour = startWriter(cluster, 4);

    const result = await moveShard(3, 'b', cluster.options);
    await Promise.all([moving.finish(), neighbour.finish()]);

    assert.deepEqual(moving.failures, []);
    assert.deepEqual(neighbour.failures, []);
    assert.deepEqual(
      neighbour.acknowledged.filter((write) => write.refusals > 0),
      [],
      'writes to shard 4 were refused',
    );
    const acknowledged = [...seeded, ...moving.acknowledged.map((write) => write.id)].sort();
    assert.deepEqual(await orderIds(cluster, 'b', 3), acknowledged);
    assert.deepEqual(await counts(cluster, 'b', 3), {
      orders: acknowledged.length,
      lines: 2 * acknowledged.length,
      events: acknowledged.length,
      seqs: acknowledged.length,
    });
    assert.deepEqual(await assignment(cluster, 3), { shard: 3, server: 'b', state: 'active' });
    assert.equal(result.version, await readMapVersion(cluster));
    assert.equal(result.from, 'a');
    assert.ok(cluster.log.some((line) => /writes were refused for \d+ ms/.test(line)));

    await assert.rejects(
      cluster.query(
        'a',
        `INSERT INTO ${schemaOf(3)}.processed_events (event_id, consumer) VALUES (gen_random_uuid(), 'x')`,
      ),
      (error: { code?: string; message?: string }) =>
        error.code === SHARD_READ_ONLY_SQLSTATE && /shard 03 moved; retry/.test(error.message ?? ''),
    );
    await assert.rejects(cleanupShard(3, 'b', cluster.options), { code: 'SHARD_MOVE_ERR_STILL_ROUTED' });
    assert.equal((await cleanupShard(3, 'a', cluster.options)).dropped, true);
    assert.equal(await schemaExistsOn(cluster, 'a', 3), false);
    assert.equal(await schemaExistsOn(cluster, 'b', 3), true);
  });

  it('when the move is interrupted while the shard is frozen, then a re-run finishes it', async () => {
    const seeded = await seedOrders(cluster, 5, 50);
    await assert.rejects(
      moveShard(5, 'b', { ...cluster.options, onStep: interruptAt('drain') }),
      /simulated crash/,
    );
    assert.deepEqual(await assignment(cluster, 5), { shard: 5, server: 'a', state: 'frozen' });
    await assert.rejects(insertProcessedEvent(cluster, 'a', 5), { code: SHARD_READ_ONLY_SQLSTATE });

    await moveShard(5, 'b', cluster.options);

    assert.deepEqual(await assignment(cluster, 5), { shard: 5, server: 'b', state: 'active' });
    assert.deepEqual(await orderIds(cluster, 'b', 5), [...seeded].sort());
  });

  it('when the move is interrupted during the initial copy, then a re-run follows the existing subscription', async () => {
    const seeded = await seedOrders(cluster, 6, 50);
    await assert.rejects(
      moveShard(6, 'b', { ...cluster.options, onStep: interruptAt('initial-copy') }),
      /simulated crash/,
    );
    assert.deepEqual(await assignment(cluster, 6), { shard: 6, server: 'a', state: 'active' });
    const later = await seedOrders(cluster, 6, 10);

    await moveShard(6, 'b', cluster.options);

    assert.deepEqual(await orderIds(cluster, 'b', 6), [...seeded, ...later].sort());
    assert.ok(cluster.log.some((line) => line.includes('already exists (an earlier run); following it')));
  });

  it('when the subscription is dropped during the copy, then the move stops before freezing and a re-run copies afresh', async () => {
    const seeded = await seedOrders(cluster, 0, 50);
    const dropSubscription = async (step: ShardMoveStep) => {
      if (step === 'initial-copy') await cluster.query('b', 'DROP SUBSCRIPTION shard_move_orders_s00');
    };

    await assert.rejects(moveShard(0, 'b', { ...cluster.options, onStep: dropSubscription }), {
      code: 'SHARD_MOVE_ERR_SUBSCRIPTION_GONE',
      message: /run the move again/,
    });
    assert.deepEqual(await assignment(cluster, 0), { shard: 0, server: 'a', state: 'active' });
    await insertProcessedEvent(cluster, 'a', 0);

    await moveShard(0, 'b', cluster.options);

    assert.deepEqual(await orderIds(cluster, 'b', 0), [...seeded].sort());
    assert.deepEqual(await counts(cluster, 'b', 0), { orders: 50, lines: 100, events: 50, seqs: 50 });
  });

  it('when the copy differs at verification, then the move is undone, the shard is writable on a again and a re-run moves it', async () => {
    const seeded = await seedOrders(cluster, 7, 50);
    const corruptTarget = async (step: ShardMoveStep) => {
      if (step === 'verify')
        await cluster.query('b', `UPDATE ${schemaOf(7)}.orders SET total_minor = 1 WHERE id = $1`, [
          seeded[0],
        ]);
    };

    await assert.rejects(
      moveShard(7, 'b', { ...cluster.options, onStep: corruptTarget }),
      (error: unknown) => {
        assert.ok(error instanceof ShardMoveError);
        assert.equal(error.code, 'SHARD_MOVE_ERR_VERIFY_FAILED');
        assert.match(error.message, /differs from a in orders/);
        return true;
      },
    );
    assert.deepEqual(await assignment(cluster, 7), { shard: 7, server: 'a', state: 'active' });
    assert.equal(await schemaExistsOn(cluster, 'b', 7), false);
    assert.deepEqual(await moveLeftovers(cluster, 7), { publications: 0, slots: 0, subscriptions: 0 });
    const afterUndo = await seedOrders(cluster, 7, 1);

    await moveShard(7, 'b', cluster.options);

    assert.deepEqual(await orderIds(cluster, 'b', 7), [...seeded, ...afterUndo].sort());
  });

  it('when an interrupted move is aborted, then the shard is active and writable on a and nothing of the move is left', async () => {
    const seeded = await seedOrders(cluster, 2, 20);
    await assert.rejects(
      moveShard(2, 'b', { ...cluster.options, onStep: interruptAt('verify') }),
      /simulated crash/,
    );
    assert.deepEqual(await assignment(cluster, 2), { shard: 2, server: 'a', state: 'frozen' });

    await abortShardMove(2, cluster.options);

    assert.deepEqual(await assignment(cluster, 2), { shard: 2, server: 'a', state: 'active' });
    await insertProcessedEvent(cluster, 'a', 2);
    assert.deepEqual(await orderIds(cluster, 'a', 2), [...seeded].sort());
    assert.equal(await schemaExistsOn(cluster, 'b', 2), false);
    assert.deepEqual(await moveLeftovers(cluster, 2), { publications: 0, slots: 0, subscriptions: 0 });
  });

  it('when a slot of an unfinished move to another server is on the source, then the move refuses until that one is aborted', async () => {
    await cluster.query(
      'a',
      "SELECT pg_create_logical_replication_slot('shard_move_orders_s01', 'pgoutput')",
    );

    await assert.rejects(moveShard(1, 'b', cluster.options), {
      code: 'SHARD_MOVE_ERR_OTHER_MOVE_UNFINISHED',
      message: /npm run shard:move -- 1 --abort/,
    });
    await abortShardMove(1, cluster.options);

    assert.deepEqual(await moveLeftovers(cluster, 1), { publications: 0, slots: 0, subscriptions: 0 });
    assert.deepEqual(await assignment(cluster, 1), { shard: 1, server: 'a', state: 'active' });
  });

  it('when a move is asked for a shard already on the target or an unknown server, then it refuses and says what to do', async () => {
    await assert.rejects(moveShard(9, 'b', cluster.options), {
      code: 'SHARD_MOVE_ERR_ALREADY_THERE',
      message: /already on b.*npm run shard:cleanup/s,
    });
    await abortShardMove(9, cluster.options);
    assert.ok(cluster.log.includes('no unfinished move of shard 09: it is active on b; nothing to undo'));
    await assert.rejects(moveShard(1, 'c', cluster.options), {
      code: 'SHARD_MOVE_ERR_UNKNOWN_SERVER',
      message: /ORDER_SHARD_SERVERS/,
    });
  });
});

function insertProcessedEvent(cluster: MoveCluster, server: 'a' | 'b', shard: number) {
  return cluster.query(
    server,
    `INSERT INTO ${schemaOf(shard)}.processed_events (event_id, consumer) VALUES (gen_random_uuid(), 'test')`,
  );
}

async function moveLeftovers(cluster: MoveCluster, shard: number) {
  const name = `shard_move_${schemaOf(shard)}`;
  const [onA] = await cluster.query<{ publications: number; slots: number }>(
    'a',
    `SELECT (SELECT count(*)::int FROM pg_publication WHERE pubname = $1) AS publications,
            (SELECT count(*)::int FROM pg_replication_slots WHERE slot_name LIKE 'pg_%' OR slot_name = $1) AS slots`,
    [name],
  );
  const [onB] = await cluster.query<{ subscriptions: number }>(
    'b',
    'SELECT count(*)::int AS subscriptions FROM pg_subscription WHERE subname = $1',
    [name],
  );
  return { ...onA, ...onB };
}

async function readMapVersion(cluster: MoveCluster): Promise<number> {
  const rows = await cluster.query<{ version: string }>(
    'a',
    'SELECT max(version)::text AS version FROM shard_directory.shard_map',
  );
  return Number(rows[0]?.version);
}
