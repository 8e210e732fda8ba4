import { setTimeout as sleep } from 'node:timers/promises';
import { migrate } from '@shop/database';
import pg from 'pg';
import {
  nextShardMap,
  publishShardMap,
  readShardMap,
  SHARD_MAP_TABLE,
} from '../directory/shard-directory.ts';
import type { ShardAssignment, ShardMap, ShardMapExpectations } from '../directory/shard-map.ts';
import { LOGICAL_SHARDS } from '../shard-key.ts';
import { ShardMapConflictError } from '../sharding.errors.ts';
import {
  appliedMigrations,
  copyProgress,
  createPublication,
  createSubscription,
  currentWalLsn,
  dropPublication,
  dropSubscription,
  listShardTables,
  publishedTables,
  publisherConnectionString,
  replicationSlotExists,
  schemaExists,
  slotPosition,
  slotReached,
  subscriptionExists,
  walLevel,
} from './replication.ts';
import { readSequences, setSequencesPast, tableChecksums, type TableChecksum } from './shard-data.ts';
import { ShardMoveError } from './shard-move.errors.ts';
import { hasReadOnlyTriggers, installReadOnlyTriggers, removeReadOnlyTriggers } from './write-freeze.ts';

/** The steps of a move, in order; `onStep` is told each one before it starts. */
export type ShardMoveStep =
  | 'preconditions'
  | 'target-schema'
  | 'publication'
  | 'subscription'
  | 'initial-copy'
  | 'freeze'
  | 'drain'
  | 'sequences'
  | 'verify'
  | 'flip';

export interface ShardMoveOptions {
  /** Physical servers by name, as in ORDER_SHARD_SERVERS: `{ a: 'postgres://...', b: '...' }`. */
  readonly servers: Readonly<Record<string, string>>;
  /** The database holding shard_directory.shard_map. */
  readonly directoryUrl: string;
  /** The deployment's logical shard count (ORDER_SHARD_COUNT); a map with another count is refused. Default 16. */
  readonly shardCount?: number;
  /** The shard schema's migrations (apps/order/prisma/migrations), applied to create it on the target. */
  readonly migrationsDir: string;
  /** Default `orders_s`: shard 3 lives in schema `orders_s03`. */
  readonly schemaPrefix?: string;
  /**
   * How a target server reaches a source server, when that differs from the URL this process uses (the
   * subscription connects from the target's network). Defaults to `servers`.
   */
  readonly publisherUrls?: Readonly<Record<string, string>>;
  /** Replication lag at which the copy counts as caught up and the freeze starts; default 1 MiB. */
  readonly maxLagBytes?: number;
  /** How long each waiting step (copy, drain) may take before the move gives up; default 1 hour. */
  readonly timeoutMs?: number;
  /** How long the freeze may try to lock the shard's tables against in-flight writes; default 30 s. */
  readonly freezeLockTimeoutMs?: number;
  /** Poll interval of the waiting steps; default 100 ms. */
  readonly pollMs?: number;
  readonly log?: (message: string) => void;
  /**
   * Called before each step. If it throws, the move stops right there as if its process had died (nothing
   * is undone), which is how the tests prove that a re-run resumes from any step.
   */
  readonly onStep?: (step: ShardMoveStep) => void | Promise<void>;
}

export interface ShardMoveResult {
  readonly shard: number;
  readonly from: string;
  readonly to: string;
  /** The map version that put the shard on its new server. */
  readonly version: number;
  /** How long the shard refused writes (from the frozen map to the flipped one). */
  readonly freezeMs: number;
  readonly tables: readonly TableChecksum[];
}

export interface ShardCleanupResult {
  readonly shard: number;
  readonly server: string;
  /** False when there was no copy of the shard on that server. */
  readonly dropped: boolean;
}

const DEFAULT_PREFIX = 'orders_s';
const DEFAULT_MAX_LAG_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60 * 60_000;
const DEFAULT_POLL_MS = 100;
const DEFAULT_FREEZE_LOCK_TIMEOUT_MS = 30_000;
const REPORT_EVERY_MS = 2_000;
// One move or cleanup at a time per directory: two moves would race on the map and on the servers' load.
const MOVE_LOCK_KEY = 0x53484d56;

/**
 * Moves logical shard `shard` to server `target` while writes continue: copies its schema there by logical
 * replication, freezes the shard's writes (map `frozen`, then read-only triggers on the source), waits for
 * the last change to arrive, sets the sequences, verifies every table, and flips the map. Safe to re-run
 * after a failure at any step: it resumes from what it finds. A failure while frozen undoes the move, so a
 * shard never stays frozen because a move gave up.
 */
export async function moveShard(
  shard: number,
  target: string,
  options: ShardMoveOptions,
): Promise<ShardMoveResult> {
  const session = await MoveSession.open(shard, options);
  try {
    return await session.move(target);
  } catch (error) {
    throw error instanceof StepInterrupted ? error.cause : error;
  } finally {
    await session.close();
  }
}

/**
 * Undoes an unfinished move of `shard`: back to active on the server the map names, subscription and
 * publication dropped, read-only triggers removed, the partial copy on the target dropped.
 */
export async function abortShardMove(shard: number, options: ShardMoveOptions): Promise<void> {
  const session = await MoveSession.open(shard, options);
  try {
    await session.abort();
  } finally {
    await session.close();
  }
}

/**
 * Drops the old, read-only copy of `shard` on `server` after a move. Refuses while the map still routes the
 * shard there or a move of it is under way.
 */
export async function cleanupShard(
  shard: number,
  server: string,
  options: Pick<ShardMoveOptions, 'servers' | 'directoryUrl' | 'shardCount' | 'schemaPrefix' | 'log'>,
): Promise<ShardCleanupResult> {
  const session = await MoveSession.open(shard, { ...options, migrationsDir: '' });
  try {
    return await session.cleanup(server);
  } finally {
    await session.close();
  }
}

class StepInterrupted extends Error {}

class MoveSession {
  readonly #shard: number;
  readonly #options: ShardMoveOptions;
  readonly #directory: pg.Client;
  readonly #clients = new Map<string, pg.Client>();
  readonly #schema: string;
  readonly #label: string;
  readonly #replication: string;
  readonly #expected: ShardMapExpectations;

  private constructor(shard: number, options: ShardMoveOptions, directory: pg.Client) {
    this.#shard = shard;
    this.#options = options;
    this.#directory = directory;
    this.#label = String(shard).padStart(2, '0');
    this.#schema = `${options.schemaPrefix ?? DEFAULT_PREFIX}${this.#label}`;
    this.#replication = `shard_move_${this.#schema}`;
    // Every map read or published must fit the operator's servers, as a replica's must fit its own.
    this.#expected = {
      shardCount: options.shardCount ?? LOGICAL_SHARDS,
      servers: Object.keys(options.servers),
    };
  }

  static async open(shard: number, options: ShardMoveOptions): Promise<MoveSession> {
    if (!Number.isInteger(shard) || shard < 0 || shard > 255) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_BAD_SHARD',
        `"${shard}" is not a shard number: give an integer from 0 to the shard count - 1, e.g. 3.`,
      );
    }
    const directory = await connect(options.directoryUrl, 'the directory database');
    try {
      const locked = await directory.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        MOVE_LOCK_KEY,
      ]);
      if (locked.rows[0]?.locked !== true) {
        throw new ShardMoveError(
          'SHARD_MOVE_ERR_BUSY',
          'Another shard move or cleanup is running against this directory. Wait for it to finish; if its ' +
            "process died, find its session (SELECT pid FROM pg_locks WHERE locktype = 'advisory') on the " +
            'directory database, end it with pg_terminate_backend, and run this again.',
        );
      }
      const session = new MoveSession(shard, options, directory);
      await session.#readMap();
      return session;
    } catch (error) {
      await directory.end().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#clients.values(), this.#directory].map((client) => client.end()));
  }

  async move(target: string): Promise<ShardMoveResult> {
    await this.#step('preconditions');
    let map = await this.#readMap();
    const current = this.#assignment(map);
    this.#requireServer(target);
    if (current.server === target) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_ALREADY_THERE',
        `Shard ${this.#label} is already on ${target} (${current.state}, map version ${map.version}); nothing to ` +
          'move. If an earlier run moved it, drop the old copy with npm run shard:cleanup -- ' +
          `${this.#shard} <old server> once nothing reads it.`,
      );
    }
    const source = current.server;
    this.#requireServer(source);
    const [from, to] = await Promise.all([this.#client(source), this.#client(target)]);
    await this.#checkServers(source, from, target, to);
    this.#log(
      `moving shard ${this.#label} (${this.#schema}) from ${source} to ${target}, map version ${map.version}`,
    );

    let frozenAt: number;
    let tables: string[];
    if (current.state === 'active') {
      tables = await this.#prepare(source, from, target, to);
      await this.#waitForCopy(from, to, tables.length);
      await this.#step('freeze');
      map = await this.#publish(
        map,
        { server: source, state: 'frozen' },
        `shard ${this.#label}: freeze to move to ${target}`,
      );
      frozenAt = Date.now();
      this.#log(
        `freeze: map version ${map.version} marks shard ${this.#label} frozen; replicas answer its writes 503`,
      );
    } else {
      tables = (await listShardTables(from, this.#schema)).map((table) => table.name);
      const frozenSince = await this.#publishedAt(map.version);
      frozenAt = frozenSince.getTime();
      this.#log(
        `resuming: shard ${this.#label} has been frozen since map version ${map.version} (${frozenSince.toISOString()})`,
      );
      await this.#step('freeze');
    }

    try {
      const lockMs = await installReadOnlyTriggers(from, this.#schema, tables, this.#label, {
        timeoutMs: this.#options.freezeLockTimeoutMs ?? DEFAULT_FREEZE_LOCK_TIMEOUT_MS,
        onWait: (attempts, waitedMs) =>
          this.#log(
            `freeze: writes still hold the tables; ${attempts} attempts to lock them in ${waitedMs} ms`,
          ),
      });
      this.#log(
        `freeze: ${tables.length} tables on ${source} read-only (locked against writes in ${lockMs} ms)`,
      );
      await this.#drain(from, to);
      await this.#step('sequences');
      const sequences = await setSequencesPast(to, this.#schema, await readSequences(from, this.#schema));
      this.#log(
        `sequences: ${sequences.map((sequence) => `${sequence.name} -> ${sequence.lastValue}`).join(', ') || 'none used yet'}`,
      );
      const checksums = await this.#verify(source, from, target, to, tables);
      await this.#step('flip');
      await dropSubscription(to, this.#replication);
      await dropPublication(from, this.#replication, this.#replication);
      map = await this.#publish(
        map,
        { server: target, state: 'active' },
        `shard ${this.#label}: moved from ${source}`,
      );
      const freezeMs = Date.now() - frozenAt;
      this.#log(
        `flip: map version ${map.version} puts shard ${this.#label} on ${target}, active; writes were refused for ` +
          `${freezeMs} ms. The copy on ${source} stays read-only until npm run shard:cleanup -- ${this.#shard} ${source}.`,
      );
      return {
        shard: this.#shard,
        from: source,
        to: target,
        version: map.version,
        freezeMs,
        tables: checksums,
      };
    } catch (error) {
      if (error instanceof StepInterrupted) throw error;
      this.#log(`failed while frozen: ${(error as Error).message}`);
      await this.#undo(source, target).catch((undoError: unknown) => {
        throw new ShardMoveError(
          'SHARD_MOVE_ERR_UNDO_FAILED',
          `The move failed (${(error as Error).message}) and undoing it failed too (${(undoError as Error).message}). ` +
            `Shard ${this.#label} may still refuse writes: fix the cause, then run the move again to finish it or ` +
            `with --abort to undo it.`,
          { cause: error },
        );
      });
      this.#log(
        `undone: shard ${this.#label} is active on ${source} again (frozen for ${Date.now() - frozenAt} ms)`,
      );
      throw error;
    }
  }

  async abort(): Promise<void> {
    const map = await this.#readMap();
    const current = this.#assignment(map);
    let target: string | undefined;
    for (const server of Object.keys(this.#options.servers)) {
      if (server === current.server) continue;
      if (await subscriptionExists(await this.#client(server), this.#replication)) target = server;
    }
    const from = await this.#client(current.server);
    const leftovers =
      target !== undefined ||
      current.state !== 'active' ||
      (await publishedTables(from, this.#replication)) !== undefined ||
      (await replicationSlotExists(from, this.#replication));
    if (!leftovers) {
      this.#log(
        `no unfinished move of shard ${this.#label}: it is active on ${current.server}; nothing to undo`,
      );
      return;
    }
    this.#log(
      `aborting the move of shard ${this.#label}: ${target === undefined ? 'no subscription found' : `copy on ${target}`}, source ${current.server}`,
    );
    await this.#undo(current.server, target);
    this.#log(`aborted: shard ${this.#label} is active on ${current.server}`);
  }

  async cleanup(server: string): Promise<ShardCleanupResult> {
    this.#requireServer(server);
    const map = await this.#readMap();
    const current = this.#assignment(map);
    if (current.server === server) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_STILL_ROUTED',
        `Map version ${map.version} still puts shard ${this.#label} on ${server} (${current.state}); its data there ` +
          'is the live copy and is kept. Pass the server the shard moved away from.',
      );
    }
    const client = await this.#client(server);
    if (
      (await subscriptionExists(client, this.#replication)) ||
      (await publishedTables(client, this.#replication)) !== undefined
    ) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_MOVE_IN_PROGRESS',
        `A move of shard ${this.#label} involving ${server} has not finished. Run npm run shard:move again to finish ` +
          `it, or npm run shard:move -- ${this.#shard} --abort to undo it, then clean up.`,
      );
    }
    if (!(await schemaExists(client, this.#schema))) {
      this.#log(
        `cleanup: ${server} holds no copy of shard ${this.#label} (${this.#schema}); nothing to drop`,
      );
      return { shard: this.#shard, server, dropped: false };
    }
    const readOnly = await hasReadOnlyTriggers(client, this.#schema);
    await client.query(`DROP SCHEMA ${client.escapeIdentifier(this.#schema)} CASCADE`);
    this.#log(
      `cleanup: dropped ${this.#schema} on ${server} (${readOnly ? 'the read-only copy left by a move' : 'a partial copy'}); ` +
        `map version ${map.version} serves shard ${this.#label} from ${current.server}`,
    );
    return { shard: this.#shard, server, dropped: true };
  }

  async #checkServers(source: string, from: pg.Client, target: string, to: pg.Client): Promise<void> {
    const level = await walLevel(from);
    if (level !== 'logical') {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_WAL_LEVEL',
        `Server ${source} runs with wal_level=${level}; publishing a shard needs wal_level=logical. Set it ` +
          '(ALTER SYSTEM SET wal_level = logical), restart that PostgreSQL server, and run the move again.',
      );
    }
    if (!(await schemaExists(from, this.#schema))) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_NO_SOURCE_SCHEMA',
        `The map puts shard ${this.#label} on ${source}, but ${source} has no schema ${this.#schema}. Check ` +
          'ORDER_SHARD_SERVERS points at the right server, or run npm run db:migrate first.',
      );
    }
    if (
      (await replicationSlotExists(from, this.#replication)) &&
      !(await subscriptionExists(to, this.#replication))
    ) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_OTHER_MOVE_UNFINISHED',
        `${source} has the replication slot ${this.#replication}, but ${target} has no subscription on it: a move of ` +
          `shard ${this.#label} to another server did not finish. Finish that one (run it again with the same ` +
          `target), or undo it with npm run shard:move -- ${this.#shard} --abort, then run this move.`,
      );
    }
    if (await hasReadOnlyTriggers(to, this.#schema)) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_OLD_COPY_ON_TARGET',
        `${target} still holds the read-only copy an earlier move left there. Drop it first with npm run ` +
          `shard:cleanup -- ${this.#shard} ${target}, then run the move again.`,
      );
    }
  }

  async #prepare(source: string, from: pg.Client, target: string, to: pg.Client): Promise<string[]> {
    const tables = await listShardTables(from, this.#schema);
    const names = tables.map((table) => table.name);
    // Leftovers of an attempt that was undone halfway; the map says the source is writable, so must it be.
    await removeReadOnlyTriggers(from, this.#schema, names);
    const withoutIdentity = tables.filter((table) => !table.hasReplicaIdentity).map((table) => table.name);
    if (withoutIdentity.length > 0) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_NO_REPLICA_IDENTITY',
        `Table${withoutIdentity.length > 1 ? 's' : ''} ${withoutIdentity.join(', ')} in ${this.#schema} ha${withoutIdentity.length > 1 ? 've' : 's'} ` +
          'no primary key, so logical replication cannot send their updates and deletes. Add one in a migration, ' +
          'then move the shard.',
      );
    }

    await this.#step('target-schema');
    const started = Date.now();
    const migrated = await migrate({
      databaseUrl: this.#options.servers[target] ?? '',
      migrationsDir: this.#options.migrationsDir,
      schema: this.#schema,
    });
    const [onSource, onTarget] = await Promise.all([
      appliedMigrations(from, this.#schema),
      appliedMigrations(to, this.#schema),
    ]);
    if (onSource.join('\n') !== onTarget.join('\n')) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_MIGRATIONS_DIFFER',
        `${this.#schema} on ${source} has migrations [${onSource.join(', ')}] but the migrations folder gives ` +
          `[${onTarget.join(', ')}]. Run npm run db:migrate so the source is up to date (and use the same release's ` +
          'migrations folder), then move the shard.',
      );
    }
    const targetTables = (await listShardTables(to, this.#schema)).map((table) => table.name);
    if (targetTables.join('\n') !== names.join('\n')) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_TABLES_DIFFER',
        `${this.#schema} has tables [${names.join(', ')}] on ${source} but [${targetTables.join(', ')}] on ${target} ` +
          'after migrating. A table outside the migrations cannot move: add it to a migration or drop it.',
      );
    }
    this.#log(
      `target schema: ${this.#schema} on ${target} with ${onTarget.length} migrations (${migrated.applied.length} applied now) in ${Date.now() - started} ms`,
    );

    await this.#step('publication');
    const published = await publishedTables(from, this.#replication);
    if (published === undefined) {
      await createPublication(from, this.#replication, this.#schema, names);
      this.#log(`publication: ${this.#replication} on ${source} for ${names.join(', ')}`);
    } else if (published.join('\n') !== names.join('\n')) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_PUBLICATION_DIFFERS',
        `The publication ${this.#replication} on ${source} holds [${published.join(', ')}], not the shard's tables ` +
          `[${names.join(', ')}] (the schema changed during the move). Run npm run shard:move -- ${this.#shard} --abort, ` +
          'then move the shard again.',
      );
    } else {
      this.#log(`publication: ${this.#replication} on ${source} already exists (an earlier run)`);
    }

    await this.#step('subscription');
    if (await subscriptionExists(to, this.#replication)) {
      this.#log(
        `subscription: ${this.#replication} on ${target} already exists (an earlier run); following it`,
      );
    } else {
      // Rows from an undone attempt would collide with the initial copy; the map does not route here yet.
      await to.query(
        `TRUNCATE ${names.map((name) => `${to.escapeIdentifier(this.#schema)}.${to.escapeIdentifier(name)}`).join(', ')}`,
      );
      const publisherUrl = this.#options.publisherUrls?.[source] ?? this.#options.servers[source] ?? '';
      await createSubscription(
        to,
        this.#replication,
        this.#replication,
        publisherConnectionString(publisherUrl),
      );
      this.#log(`subscription: ${this.#replication} on ${target} copies from ${source}`);
    }
    return names;
  }

  async #waitForCopy(from: pg.Client, to: pg.Client, tableCount: number): Promise<void> {
    await this.#step('initial-copy');
    const maxLag = this.#options.maxLagBytes ?? DEFAULT_MAX_LAG_BYTES;
    await this.#waitUntil('initial copy and catch-up', async () => {
      if (!(await subscriptionExists(to, this.#replication))) {
        throw new ShardMoveError(
          'SHARD_MOVE_ERR_SUBSCRIPTION_GONE',
          `The subscription ${this.#replication} disappeared from the target during the copy (dropped by hand?). ` +
            'Nothing was frozen yet: run the move again, it starts a fresh copy.',
        );
      }
      const [copy, slot] = await Promise.all([
        copyProgress(to, this.#replication),
        slotPosition(from, this.#replication),
      ]);
      const lag = slot.lagBytes;
      const done = copy.ready === tableCount && lag <= maxLag;
      const states = Object.entries(copy.states)
        .map(([state, count]) => `${state}: ${count}`)
        .join(', ');
      return {
        done,
        detail:
          `${copy.ready}/${tableCount} tables ready (${states || 'starting'}), lag ${formatBytes(lag)}` +
          (copy.errors > 0 ? `, ${copy.errors} subscription errors (see the target server's log)` : ''),
      };
    });
  }

  async #drain(from: pg.Client, to: pg.Client): Promise<void> {
    await this.#step('drain');
    if (!(await subscriptionExists(to, this.#replication))) {
      this.#log(
        'drain: the subscription was already dropped by an earlier run; verifying what the target holds',
      );
      return;
    }
    const lsn = await currentWalLsn(from);
    await this.#waitUntil(`drain to ${lsn}`, async () => {
      const reached = await slotReached(from, this.#replication, lsn);
      const slot = await slotPosition(from, this.#replication);
      return {
        done: reached,
        detail: `applied up to ${slot.confirmedLsn}, lag ${formatBytes(slot.lagBytes)}`,
      };
    });
  }

  async #verify(
    source: string,
    from: pg.Client,
    target: string,
    to: pg.Client,
    tables: readonly string[],
  ): Promise<TableChecksum[]> {
    await this.#step('verify');
    const started = Date.now();
    const [onSource, onTarget] = await Promise.all([
      tableChecksums(from, this.#schema, tables),
      tableChecksums(to, this.#schema, tables),
    ]);
    const differing = onSource.filter((sum, index) => {
      const other = onTarget[index];
      return other === undefined || other.rows !== sum.rows || other.checksum !== sum.checksum;
    });
    for (const sum of onSource) {
      const other = onTarget.find((entry) => entry.table === sum.table);
      this.#log(
        `verify: ${sum.table}: ${sum.rows} rows on ${source}, ${other?.rows ?? '?'} on ${target}` +
          (differing.includes(sum) ? ' (checksum differs)' : ', checksums equal'),
      );
    }
    if (differing.length > 0) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_VERIFY_FAILED',
        `The copy of ${this.#schema} on ${target} differs from ${source} in ${differing.map((sum) => sum.table).join(', ')}. ` +
          'The move was undone and the shard is served from the source; look for writes to the target outside the ' +
          'move (or replication errors in its log), then move the shard again.',
      );
    }
    this.#log(`verify: ${tables.length} tables equal in ${Date.now() - started} ms`);
    return onSource;
  }

  // Order matters: the map is checked first, so a flipped move is never undone; the source becomes writable
  // before the map says so; the target's copy goes last, when nothing can route to it.
  async #undo(source: string, target: string | undefined): Promise<void> {
    let map = await this.#readMap();
    const current = this.#assignment(map);
    if (current.server !== source) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_ALREADY_FLIPPED',
        `Map version ${map.version} already puts shard ${this.#label} on ${current.server}, so the move is not undone. ` +
          `Drop the copy on ${source} with npm run shard:cleanup -- ${this.#shard} ${source} when nothing reads it.`,
      );
    }
    const from = await this.#client(source);
    if (target !== undefined) await dropSubscription(await this.#client(target), this.#replication);
    await dropPublication(from, this.#replication, this.#replication);
    const tables = (await listShardTables(from, this.#schema)).map((table) => table.name);
    await removeReadOnlyTriggers(from, this.#schema, tables);
    if (current.state !== 'active') {
      map = await this.#publish(
        map,
        { server: source, state: 'active' },
        `shard ${this.#label}: move undone`,
      );
      this.#log(`undo: map version ${map.version} marks shard ${this.#label} active on ${source}`);
    }
    if (target !== undefined) {
      const to = await this.#client(target);
      await to.query(`DROP SCHEMA IF EXISTS ${to.escapeIdentifier(this.#schema)} CASCADE`);
      this.#log(`undo: dropped the partial copy ${this.#schema} on ${target}`);
    }
  }

  async #readMap(): Promise<ShardMap> {
    const map = await readShardMap(this.#directory, this.#expected);
    if (map === undefined) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_NO_MAP',
        'The directory holds no shard map yet. Start the order service (or run npm run db:migrate) once so it ' +
          'seeds version 1, then run the move again.',
      );
    }
    return map;
  }

  // When the map version was published: a resumed move counts the freeze from the frozen map.
  async #publishedAt(version: number): Promise<Date> {
    const result = await this.#directory.query<{ created_at: Date }>(
      `SELECT created_at FROM ${SHARD_MAP_TABLE} WHERE version = $1`,
      [version],
    );
    return result.rows[0]?.created_at ?? new Date();
  }

  async #publish(map: ShardMap, change: Omit<ShardAssignment, 'shard'>, note: string): Promise<ShardMap> {
    try {
      return await publishShardMap(
        this.#directory,
        nextShardMap(map, [{ shard: this.#shard, ...change }]),
        note,
        this.#expected,
      );
    } catch (error) {
      if (!(error instanceof ShardMapConflictError)) throw error;
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_MAP_CHANGED',
        `The shard map changed while the move was running (expected version ${map.version}, found ` +
          `${error.currentVersion}). Check who published it (SELECT version, note FROM ${SHARD_MAP_TABLE} ` +
          'ORDER BY version DESC LIMIT 3), then run the move again: it resumes from what it finds.',
        { cause: error },
      );
    }
  }

  #assignment(map: ShardMap): ShardAssignment {
    const assignment = map.assignments.find((entry) => entry.shard === this.#shard);
    if (assignment === undefined) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_UNKNOWN_SHARD',
        `Map version ${map.version} has no shard ${this.#shard}; its shards are 0 to ${map.shardCount - 1}.`,
      );
    }
    return assignment;
  }

  #requireServer(server: string): void {
    if (this.#options.servers[server] === undefined) {
      throw new ShardMoveError(
        'SHARD_MOVE_ERR_UNKNOWN_SERVER',
        `No server named "${server}" is configured (known: ${Object.keys(this.#options.servers).join(', ') || 'none'}). ` +
          'Add it to ORDER_SHARD_SERVERS (name=postgres://...) and run again.',
      );
    }
  }

  async #client(server: string): Promise<pg.Client> {
    let client = this.#clients.get(server);
    if (client === undefined) {
      client = await connect(this.#options.servers[server] ?? '', `server ${server}`);
      this.#clients.set(server, client);
    }
    return client;
  }

  async #step(step: ShardMoveStep): Promise<void> {
    try {
      await this.#options.onStep?.(step);
    } catch (error) {
      throw new StepInterrupted(`interrupted before ${step}`, { cause: error });
    }
  }

  async #waitUntil(what: string, check: () => Promise<{ done: boolean; detail: string }>): Promise<void> {
    const started = Date.now();
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let lastReport = started;
    for (;;) {
      const { done, detail } = await check();
      const elapsed = Date.now() - started;
      if (done) return this.#log(`${what}: done in ${elapsed} ms (${detail})`);
      if (elapsed >= timeoutMs) {
        throw new ShardMoveError(
          'SHARD_MOVE_ERR_TIMEOUT',
          `${what} did not finish within ${Math.round(timeoutMs / 1000)} s (${detail}). Check the target server's log ` +
            'for replication errors and the source for long transactions, then run the move again (it resumes).',
        );
      }
      if (Date.now() - lastReport >= REPORT_EVERY_MS) {
        lastReport = Date.now();
        this.#log(`${what}: ${detail}, ${(elapsed / 1000).toFixed(1)} s`);
      }
      await sleep(this.#options.pollMs ?? DEFAULT_POLL_MS);
    }
  }

  #log(message: string): void {
    this.#options.log?.(message);
  }
}

async function connect(url: string, what: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'shop-shard-move' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new ShardMoveError(
      'SHARD_MOVE_ERR_UNREACHABLE',
      `Cannot connect to ${what}: ${(error as Error).message}. Check its URL and that PostgreSQL is running, then run again.`,
      { cause: error },
    );
  }
  return client;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
