import pg from 'pg';
import { inClientTransaction, inPooledTransaction } from '@shop/events';
import { ShardMapConflictError, ShardMapError } from '../sharding.errors.ts';
import {
  validateShardMap,
  type ShardAssignment,
  type ShardMap,
  type ShardMapExpectations,
} from './shard-map.ts';

export const DIRECTORY_SCHEMA = 'shard_directory';
export const SHARD_MAP_TABLE = `${DIRECTORY_SCHEMA}.shard_map`;
/** NOTIFY channel; the payload is the new version. */
export const SHARD_MAP_CHANNEL = 'shard_map';

/** A pool (a connection is checked out per call) or one connection the caller owns. */
export type DirectoryConnection = pg.Pool | pg.ClientBase;

// The whole table: no migration tool of its own, since it is this library's bookkeeping and must exist
// before any shard's migrations can be placed.
const DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${DIRECTORY_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${SHARD_MAP_TABLE} (
     version     bigint PRIMARY KEY,
     shard_count integer NOT NULL,
     assignments jsonb NOT NULL,
     note        text NOT NULL DEFAULT '',
     created_at  timestamptz NOT NULL DEFAULT now()
   )`,
];
// Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog; replicas starting together take turns.
const DDL_LOCK_KEY = 'shop.shard_directory.ddl';

/** Creates the directory schema and table when missing; safe to run from many processes at once. */
export async function ensureShardDirectory(db: DirectoryConnection): Promise<void> {
  await inTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [DDL_LOCK_KEY]);
    for (const statement of DDL) await client.query(statement);
  });
}

/**
 * Creates the directory if needed and, when it holds no map yet, writes version 1 with these assignments.
 * Returns the current map (the seeded one, or the one already there, which is left alone).
 */
export async function seedShardMap(
  db: DirectoryConnection,
  initial: { shardCount: number; assignments: readonly ShardAssignment[]; note?: string },
  expected: ShardMapExpectations = { shardCount: initial.shardCount },
): Promise<{ map: ShardMap; seeded: boolean }> {
  await ensureShardDirectory(db);
  const existing = await readShardMap(db, expected);
  if (existing !== undefined) return { map: existing, seeded: false };
  try {
    const map = await publishShardMap(
      db,
      { version: 1, shardCount: initial.shardCount, assignments: initial.assignments },
      initial.note ?? 'initial shard map',
      expected,
    );
    return { map, seeded: true };
  } catch (error) {
    // Another process seeded first; its map is as good as ours, provided it is valid here.
    if (!(error instanceof ShardMapConflictError)) throw error;
    const map = await readShardMap(db, expected);
    if (map === undefined) throw error;
    return { map, seeded: false };
  }
}

/** The current (highest-version) map, validated; undefined when the directory holds none yet. */
export async function readShardMap(
  db: DirectoryConnection,
  expected: ShardMapExpectations,
): Promise<ShardMap | undefined> {
  // No `version::text AS version`: ORDER BY would then sort the text ('9' after '10'). pg returns bigint as a string.
  const result = await db.query<ShardMapRow>(
    `SELECT version, shard_count, assignments FROM ${SHARD_MAP_TABLE} ORDER BY version DESC LIMIT 1`,
  );
  const row = result.rows[0];
  return row === undefined ? undefined : validateShardMap(fromRow(row), expected);
}

/**
 * Writes the next map version in one transaction: takes the table's write lock, checks that `next.version`
 * is the current version + 1 (otherwise ShardMapConflictError: a concurrent publisher won), validates it
 * (same shard count as the current map, every shard once, and known servers when `expected.servers` is
 * given), inserts it and notifies every watcher. Returns the published map.
 */
export async function publishShardMap(
  db: DirectoryConnection,
  next: ShardMap,
  note: string,
  expected?: Partial<ShardMapExpectations>,
): Promise<ShardMap> {
  return inTransaction(db, async (client) => {
    // Self-exclusive, so publishers queue; readers (watchers) are not blocked.
    await client.query(`LOCK TABLE ${SHARD_MAP_TABLE} IN SHARE ROW EXCLUSIVE MODE`);
    const current = await client.query<{ version: string; shard_count: number }>(
      `SELECT version, shard_count FROM ${SHARD_MAP_TABLE} ORDER BY version DESC LIMIT 1`,
    );
    const currentVersion = Number(current.rows[0]?.version ?? 0);
    if (next.version !== currentVersion + 1) throw new ShardMapConflictError(next.version, currentVersion);
    const shardCount = current.rows[0]?.shard_count ?? expected?.shardCount ?? next.shardCount;
    const map = validateShardMap(next, {
      shardCount,
      ...(expected?.servers === undefined ? {} : { servers: expected.servers }),
    });
    await client.query(
      `INSERT INTO ${SHARD_MAP_TABLE} (version, shard_count, assignments, note) VALUES ($1, $2, $3::jsonb, $4)`,
      [map.version, map.shardCount, JSON.stringify(map.assignments), note],
    );
    await client.query('SELECT pg_notify($1, $2)', [SHARD_MAP_CHANNEL, String(map.version)]);
    return map;
  });
}

/** The next version of `current` with some shards changed (moved or frozen); the rest stay as they are. */
export function nextShardMap(
  current: ShardMap,
  changes: readonly (Partial<ShardAssignment> & { shard: number })[],
): ShardMap {
  const byShard = new Map(changes.map((change) => [change.shard, change]));
  for (const shard of byShard.keys()) {
    if (!current.assignments.some((a) => a.shard === shard)) {
      throw new ShardMapError(
        'SHARD_ERR_INVALID_MAP',
        `Shard ${shard} is not in the map; shards are 0..${current.shardCount - 1}.`,
      );
    }
  }
  return {
    version: current.version + 1,
    shardCount: current.shardCount,
    assignments: current.assignments.map((a) => ({ ...a, ...byShard.get(a.shard) })),
  };
}

interface ShardMapRow {
  version: string;
  shard_count: number;
  assignments: unknown;
}

function fromRow(row: ShardMapRow): unknown {
  return { version: Number(row.version), shardCount: row.shard_count, assignments: row.assignments };
}

function inTransaction<T>(db: DirectoryConnection, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  return db instanceof pg.Pool ? inPooledTransaction(db, work) : inClientTransaction(db, work);
}
