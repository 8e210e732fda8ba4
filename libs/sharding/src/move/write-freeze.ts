import type pg from 'pg';

/**
 * SQLSTATE of a write refused by a frozen or moved shard's old copy: the order service maps it to 503 with
 * Retry-After, like a shard the map marks frozen (the replica had not seen the new map yet).
 */
export const SHARD_READ_ONLY_SQLSTATE = 'SM001';

const FUNCTION = 'shard_move_refuse_writes';
const TRIGGER = 'shard_move_read_only';
const LOCK_TIMEOUT = '5s';
// Lock waits that are worth another attempt: our lock timed out, or we were chosen as a deadlock victim.
const RETRYABLE = new Set(['55P03', '40P01']);

/** True when `error` is PostgreSQL refusing a write to a shard copy that has been frozen by a move. */
export function isShardReadOnlyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === SHARD_READ_ONLY_SQLSTATE;
}

/**
 * Makes the shard's tables read-only: in one transaction, EXCLUSIVE locks on all of them (waiting for
 * in-flight writes, which then commit before the freeze) and a statement trigger on each that refuses
 * INSERT, UPDATE, DELETE and TRUNCATE. Idempotent. Returns how long the lock took, for the progress line.
 */
export async function installReadOnlyTriggers(
  client: pg.ClientBase,
  schema: string,
  tables: readonly string[],
  label: string,
  onRetry: (reason: string) => void,
): Promise<number> {
  const started = Date.now();
  const q = (name: string) => `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      await client.query(`LOCK TABLE ${tables.map(q).join(', ')} IN EXCLUSIVE MODE`);
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
      const code = (error as { code?: string }).code;
      if (code === undefined || !RETRYABLE.has(code)) throw error;
      onRetry(code === '40P01' ? 'deadlock with a writer, retrying' : `still waiting for in-flight writes`);
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
