import type pg from 'pg';
import { ShardMoveError } from './shard-move.errors.ts';

// The logical-replication half of a move: a publication of the shard's tables on the source server and
// a subscription on the target that copies them and then follows every change.

/** The migration runner's history table: each server keeps its own, so it is never replicated. */
export const MIGRATION_HISTORY_TABLE = '_prisma_migrations';

export interface ShardTable {
  readonly name: string;
  /** Logical replication needs a replica identity to send UPDATE and DELETE. */
  readonly hasReplicaIdentity: boolean;
}

/** Tables of a schema that move with the shard: every table except the migration history. */
export async function listShardTables(client: pg.ClientBase, schema: string): Promise<ShardTable[]> {
  const result = await client.query<{ name: string; identity: boolean }>(
    `SELECT c.relname AS name,
            (c.relreplident IN ('f', 'i') OR EXISTS (
               SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)) AS identity
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $2
     ORDER BY c.relname`,
    [schema, MIGRATION_HISTORY_TABLE],
  );
  return result.rows.map((row) => ({ name: row.name, hasReplicaIdentity: row.identity }));
}

export async function schemaExists(client: pg.ClientBase, schema: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return result.rowCount !== 0;
}

/** Names of the migrations recorded as applied (finished, not rolled back) in the schema. */
export async function appliedMigrations(client: pg.ClientBase, schema: string): Promise<string[]> {
  const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
    `${client.escapeIdentifier(schema)}.${MIGRATION_HISTORY_TABLE}`,
  ]);
  if (exists.rows[0]?.exists !== true) return [];
  const result = await client.query<{ name: string }>(
    `SELECT DISTINCT migration_name AS name FROM ${client.escapeIdentifier(schema)}.${MIGRATION_HISTORY_TABLE}
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`,
  );
  return result.rows.map((row) => row.name);
}

export async function walLevel(client: pg.ClientBase): Promise<string> {
  const result = await client.query<{ wal_level: string }>(
    "SELECT current_setting('wal_level') AS wal_level",
  );
  return result.rows[0]?.wal_level ?? 'unknown';
}

/** Tables the publication currently holds, or undefined when it does not exist. */
export async function publishedTables(
  client: pg.ClientBase,
  publication: string,
): Promise<string[] | undefined> {
  const exists = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (exists.rowCount === 0) return undefined;
  const result = await client.query<{ name: string }>(
    'SELECT tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY tablename',
    [publication],
  );
  return result.rows.map((row) => row.name);
}

// A publication of listed tables, not FOR TABLES IN SCHEMA: the schema's _prisma_migrations would be
// copied into the target's own history (rows with other ids, so no key clash, but every migration twice).
export async function createPublication(
  client: pg.ClientBase,
  publication: string,
  schema: string,
  tables: readonly string[],
): Promise<void> {
  const list = tables
    .map((table) => `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`)
    .join(', ');
  await client.query(`CREATE PUBLICATION ${client.escapeIdentifier(publication)} FOR TABLE ${list}`);
}

/** Drops the publication and a replication slot a dropped subscription may have left behind. */
export async function dropPublication(
  client: pg.ClientBase,
  publication: string,
  slot: string,
): Promise<void> {
  await client.query(`DROP PUBLICATION IF EXISTS ${client.escapeIdentifier(publication)}`);
  await client.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
    [slot],
  );
}

export async function subscriptionExists(client: pg.ClientBase, subscription: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM pg_subscription WHERE subname = $1', [subscription]);
  return result.rowCount !== 0;
}

export async function createSubscription(
  client: pg.ClientBase,
  subscription: string,
  publication: string,
  publisherConnection: string,
): Promise<void> {
  await client.query(
    `CREATE SUBSCRIPTION ${client.escapeIdentifier(subscription)} CONNECTION ${client.escapeLiteral(publisherConnection)} ` +
      `PUBLICATION ${client.escapeIdentifier(publication)} WITH (copy_data = true)`,
  );
}

/** Drops the subscription (and its slot on the publisher); the copied rows stay. Idempotent. */
export async function dropSubscription(client: pg.ClientBase, subscription: string): Promise<void> {
  if (!(await subscriptionExists(client, subscription))) return;
  await client.query(`DROP SUBSCRIPTION ${client.escapeIdentifier(subscription)}`);
}

export interface CopyProgress {
  /** Tables per pg_subscription_rel state: i init, d copying, f/s finishing, r ready. */
  readonly states: Readonly<Record<string, number>>;
  readonly ready: number;
  readonly errors: number;
}

export async function copyProgress(client: pg.ClientBase, subscription: string): Promise<CopyProgress> {
  const result = await client.query<{ state: string; tables: number }>(
    `SELECT r.srsubstate AS state, count(*)::int AS tables
     FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid
     WHERE s.subname = $1 GROUP BY 1`,
    [subscription],
  );
  const errors = await client.query<{ errors: number }>(
    `SELECT coalesce(sum(apply_error_count + sync_error_count), 0)::int AS errors
     FROM pg_stat_subscription_stats WHERE subname = $1`,
    [subscription],
  );
  const states = Object.fromEntries(result.rows.map((row) => [row.state, row.tables]));
  return { states, ready: states['r'] ?? 0, errors: errors.rows[0]?.errors ?? 0 };
}

export interface SlotPosition {
  /** WAL the subscriber has confirmed applying and flushing. */
  readonly confirmedLsn: string;
  /** Bytes of the publisher's WAL the subscriber has not confirmed yet. */
  readonly lagBytes: number;
}

export async function slotPosition(client: pg.ClientBase, slot: string): Promise<SlotPosition> {
  const result = await client.query<{ confirmed: string | null; lag: string | null }>(
    `SELECT confirmed_flush_lsn::text AS confirmed,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS lag
     FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = result.rows[0];
  if (row === undefined) {
    throw new ShardMoveError(
      'SHARD_MOVE_ERR_NO_SLOT',
      `The replication slot ${slot} is missing on the source server, so the subscription cannot follow it. ` +
        'Run the move with --abort, then run it again from the start.',
    );
  }
  return { confirmedLsn: row.confirmed ?? '0/0', lagBytes: Number(row.lag ?? Number.MAX_SAFE_INTEGER) };
}

export async function replicationSlotExists(client: pg.ClientBase, slot: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return result.rowCount !== 0;
}

export async function currentWalLsn(client: pg.ClientBase): Promise<string> {
  const result = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return result.rows[0]?.lsn ?? '0/0';
}

/** Whether the slot has confirmed everything up to `lsn`. */
export async function slotReached(client: pg.ClientBase, slot: string, lsn: string): Promise<boolean> {
  const result = await client.query<{ reached: boolean }>(
    'SELECT confirmed_flush_lsn >= $2::pg_lsn AS reached FROM pg_replication_slots WHERE slot_name = $1',
    [slot, lsn],
  );
  return result.rows[0]?.reached === true;
}

const LIBPQ_URL_PARAMETERS = new Set([
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslcrl',
  'sslnegotiation',
  'connect_timeout',
  'target_session_attrs',
  'channel_binding',
]);

/**
 * The connection string the target server uses to reach the source: the URL without the parameters
 * libpq does not know (`schema`, pool sizes), which CREATE SUBSCRIPTION would reject.
 */
export function publisherConnectionString(url: string): string {
  const parsed = new URL(url);
  for (const key of [...parsed.searchParams.keys()]) {
    if (!LIBPQ_URL_PARAMETERS.has(key)) parsed.searchParams.delete(key);
  }
  return parsed.toString();
}
