import type pg from 'pg';
import { ShardMoveError } from './shard-move.errors.ts';

// The move's own minimal reader and publisher of the directory table (shard_directory.shard_map), kept in
// this one file so they can be pointed at the shard-map module's functions without touching the move.

export type ShardState = 'active' | 'frozen';

export interface ShardAssignment {
  readonly shard: number;
  readonly server: string;
  readonly state: ShardState;
}

export interface ShardMap {
  readonly version: number;
  readonly shardCount: number;
  readonly assignments: readonly ShardAssignment[];
  readonly createdAt: Date;
}

/** The current (highest) version of the shard map. */
export async function readShardMap(client: pg.ClientBase): Promise<ShardMap> {
  const result = await client.query<{
    version: string;
    shard_count: number;
    assignments: ShardAssignment[];
    created_at: Date;
  }>(
    'SELECT version, shard_count, assignments, created_at FROM shard_directory.shard_map ORDER BY version DESC LIMIT 1',
  );
  const row = result.rows[0];
  if (row === undefined) {
    throw new ShardMoveError(
      'SHARD_MOVE_ERR_NO_MAP',
      'The directory holds no shard map yet. Start the order service (or run npm run db:migrate) once so it ' +
        'seeds version 1, then run the move again.',
    );
  }
  return {
    version: Number(row.version),
    shardCount: row.shard_count,
    assignments: row.assignments,
    createdAt: row.created_at,
  };
}

/**
 * Publishes `assignments` as version `expected.version + 1` and notifies the replicas, in one transaction.
 * Refuses when another writer published since `expected` was read, so a change is never based on a stale map.
 */
export async function publishShardMap(
  client: pg.ClientBase,
  expected: ShardMap,
  assignments: readonly ShardAssignment[],
  note: string,
): Promise<ShardMap> {
  const version = expected.version + 1;
  await client.query('BEGIN');
  try {
    await client.query('LOCK TABLE shard_directory.shard_map IN EXCLUSIVE MODE');
    const current = await readShardMap(client);
    if (current.version !== expected.version) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_MAP_CHANGED',
        `The shard map changed while the move was running (expected version ${expected.version}, found ` +
          `${current.version}). Check who published it (SELECT version, note FROM shard_directory.shard_map ` +
          'ORDER BY version DESC LIMIT 3), then run the move again: it resumes from what it finds.',
      );
    }
    await client.query(
      'INSERT INTO shard_directory.shard_map (version, shard_count, assignments, note) VALUES ($1, $2, $3, $4)',
      [version, expected.shardCount, JSON.stringify(assignments), note],
    );
    await client.query("SELECT pg_notify('shard_map', $1)", [String(version)]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { version, shardCount: expected.shardCount, assignments, createdAt: new Date() };
}
