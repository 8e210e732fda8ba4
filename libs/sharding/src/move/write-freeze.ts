import { setTimeout as sleep } from 'node:timers/promises';
import { sqlStateOf } from '@shop/database';
import type pg from 'pg';
import { ShardMoveError } from './shard-move.errors.ts';

/**
 * SQLSTATE of a write refused by a frozen or moved shard's old copy: the order service maps it to 503 with
 * Retry-After, like a shard the map marks frozen (the replica had not seen the new map yet).
 */
export const SHARD_READ_ONLY_SQLSTATE = 'SM001';

const FUNCTION = 'shard_move_refuse_writes';
const TRIGGER = 'shard_move_read_only';
const LOCK_NOT_AVAILABLE = '55P03';
const RETRY_MS = 20;
const REPORT_EVERY_MS = 2_000;

/**
 * True when `error` is PostgreSQL refusing a write to a shard copy that has been frozen by a move, as pg
 * raises it or as Prisma's driver adapter wraps it.
 */
export function isShardReadOnlyError(error: unknown): boolean {
  return sqlStateOf(error) === SHARD_READ_ONLY_SQLSTATE;
}

/**
 * Makes the shard's tables read-only: in one transaction, EXCLUSIVE locks on all of them (so no write is
 * half-way) and a statement trigger on each that refuses INSERT, UPDATE, DELETE and TRUNCATE. Idempotent.
 * Returns how long taking the locks took, for the progress line.
 *
 * The locks are taken with NOWAIT and retried: waiting in the lock queue while holding another of the
 * shard's tables deadlocks with a writer that holds that one and wants the next, and PostgreSQL may pick
 * the writer as the victim (an error for a client that did nothing wrong). Retrying never holds a lock
 * while waiting; with the map frozen only replicas that have not heard it yet still write, so a moment
 * without writes comes quickly.
 */
export async function installReadOnlyTriggers(
  client: pg.ClientBase,
  schema: string,
  tables: readonly string[],
  label: string,
  options: { timeoutMs: number; onWait: (attempts: number, waitedMs: number) => void },
): Promise<number> {
  const started = Date.now();
  const q = (name: string) => `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
  let attempts = 0;
  let lastReport = started;
  for (;;) {
    attempts += 1;
    await client.query('BEGIN');
    try {
      await client.query(`LOCK TABLE ${tables.map(q).join(', ')} IN EXCLUSIVE MODE NOWAIT`);
      await client.query(
        `CREATE OR REPLACE FUNCTION ${q(FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $body$
         BEGIN
           RAISE EXCEPTION USING ERRCODE = '${SHARD_READ_ONLY_SQLSTATE}',
             MESSAGE = format('shard %s moved; retry', TG_ARGV[0]),
             HINT = 'Read the shard map again and send the write to the server it names now.';
         END
         $body$`,
      );
      for (const table of tables) {
        await client.query(
          `CREATE OR REPLACE TRIGGER ${TRIGGER} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${q(table)} ` +
            `FOR EACH STATEMENT EXECUTE FUNCTION ${q(FUNCTION)}(${client.escapeLiteral(label)})`,
        );
      }
      await client.query('COMMIT');
      return Date.now() - started;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
      const waited = Date.now() - started;
      if (waited >= options.timeoutMs) {
        throw new ShardMoveError(
          'SHARD_MOVE_ERR_FREEZE_LOCK_TIMEOUT',
          `Could not lock the shard's tables in ${schema} within ${Math.round(options.timeoutMs / 1000)} s: ` +
            'writes kept holding them. Look for long transactions on the source (SELECT pid, xact_start, query ' +
            "FROM pg_stat_activity WHERE state <> 'idle' ORDER BY xact_start), end or wait for them, then run the move again.",
        );
      }
      if (Date.now() - lastReport >= REPORT_EVERY_MS) {
        lastReport = Date.now();
        options.onWait(attempts, waited);
      }
      await sleep(RETRY_MS);
    }
  }
}

/** Removes the read-only triggers (an undone move); idempotent. */
export async function removeReadOnlyTriggers(
  client: pg.ClientBase,
  schema: string,
  tables: readonly string[],
): Promise<void> {
  const q = (name: string) => `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
  await client.query('BEGIN');
  try {
    for (const table of tables) await client.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON ${q(table)}`);
    await client.query(`DROP FUNCTION IF EXISTS ${q(FUNCTION)}()`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Whether the schema carries the read-only triggers, i.e. is a frozen or old copy of a moved shard. */
export async function hasReadOnlyTriggers(client: pg.ClientBase, schema: string): Promise<boolean> {
  const result = await client.query(
    `SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND t.tgname = $2 LIMIT 1`,
    [schema, TRIGGER],
  );
  return result.rowCount !== 0;
}
