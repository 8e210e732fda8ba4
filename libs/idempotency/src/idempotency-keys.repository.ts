import pg from 'pg';
import {
  IDEMPOTENCY_KEYS_COLUMNS as C,
  IDEMPOTENCY_KEYS_TABLE,
  type IdempotencyStore,
  type SqlTransaction,
} from './idempotency-store.ts';

/** A response as stored, replayed byte for byte. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The attempt that holds a key: its lock expiry doubles as a fencing token, so an attempt whose lock
 * expired and was taken over can neither record its response nor release the new owner's lock.
 */
export interface KeyLease {
  scope: string;
  key: string;
  lock: string;
  resourceId: string | null;
}

export type Claim =
  | { kind: 'execute'; lease: KeyLease; recovered: boolean }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-flight' };

export interface ClaimRequest {
  scope: string;
  key: string;
  fingerprint: string;
  /** The resource id a first attempt gets (kept for every retry); called for each insert attempt, one kept. */
  newResourceId: () => string | null;
  ttlSeconds: number;
  lockSeconds: number;
}

interface KeyRow {
  fingerprint: string;
  resourceId: string | null;
  status: number | null;
  headers: string | null;
  body: string | null;
  expired: boolean;
  locked: boolean;
}

function table(schema: string | undefined): string {
  const quoted = pg.escapeIdentifier(IDEMPOTENCY_KEYS_TABLE);
  return schema === undefined ? quoted : `${pg.escapeIdentifier(schema)}.${quoted}`;
}

// Booleans and text are computed in SQL, so the answer reads the same through Prisma and through pg.
const selectForUpdate = (t: string) =>
  `SELECT ${C.fingerprint} AS "fingerprint", ${C.resourceId} AS "resourceId", ${C.responseStatus}::int AS "status", ` +
  `${C.responseHeaders}::text AS "headers", ${C.responseBody} AS "body", ` +
  `${C.createdAt} <= now() - make_interval(secs => $3::double precision) AS "expired", ` +
  `coalesce(${C.lockedUntil} > now(), false) AS "locked" ` +
  `FROM ${t} WHERE ${C.scope} = $1 AND ${C.key} = $2 FOR UPDATE`;

/**
 * Phase 1, committed before the work starts: records the key as in flight, or finds what an earlier
 * attempt left. A key never seen (the common case) costs one INSERT, on its own when the store offers
 * `autocommit`. Otherwise concurrent first attempts serialise on the primary key: one inserts, the others
 * wait for its commit, find the row and read it FOR UPDATE to decide.
 */
export async function claimKey(store: IdempotencyStore, request: ClaimRequest): Promise<Claim> {
  const t = table(store.schema);
  if (store.autocommit) {
    const claimed = await insertKey(store.autocommit, t, request);
    if (claimed) return claimed;
  }
  return store.transaction(async (tx) => {
    const inserted = store.autocommit ? undefined : await insertKey(tx, t, request);
    if (inserted) return inserted;
    const row = await readRow(tx, t, request);
    // Deleted by the reaper between the two statements: the caller's retry starts afresh.
    if (row === undefined) return { kind: 'in-flight' };
    return decide(tx, t, request, row);
  });
}

/** The key as in flight with a fresh resource id, unless a row for it exists (then undefined). */
async function insertKey(sql: SqlTransaction, t: string, request: ClaimRequest): Promise<Claim | undefined> {
  const resourceId = request.newResourceId();
  const inserted = await sql.$queryRawUnsafe<Array<{ lock: string }>>(
    `INSERT INTO ${t} (${C.scope}, ${C.key}, ${C.fingerprint}, ${C.resourceId}, ${C.lockedUntil}) ` +
      `VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision)) ` +
      `ON CONFLICT (${C.scope}, ${C.key}) DO NOTHING RETURNING ${C.lockedUntil}::text AS "lock"`,
    request.scope,
    request.key,
    request.fingerprint,
    resourceId,
    request.lockSeconds,
  );
  const lock = inserted[0]?.lock;
  return lock === undefined ? undefined : execute(request, lock, resourceId, false);
}

async function readRow(tx: SqlTransaction, t: string, request: ClaimRequest): Promise<KeyRow | undefined> {
  const rows = await tx.$queryRawUnsafe<KeyRow[]>(
    selectForUpdate(t),
    request.scope,
    request.key,
    request.ttlSeconds,
  );
  return rows[0];
}

async function decide(tx: SqlTransaction, t: string, request: ClaimRequest, row: KeyRow): Promise<Claim> {
  if (row.expired) {
    // Older than the TTL: the key is new again, even if the reaper has not deleted it yet.
    const resourceId = request.newResourceId();
    const lock = await relock(
      tx,
      `UPDATE ${t} SET ${C.fingerprint} = $3, ${C.resourceId} = $4, ` +
        `${C.lockedUntil} = now() + make_interval(secs => $5::double precision), ${C.responseStatus} = NULL, ` +
        `${C.responseHeaders} = NULL, ${C.responseBody} = NULL, ${C.createdAt} = now() ` +
        `WHERE ${C.scope} = $1 AND ${C.key} = $2 RETURNING ${C.lockedUntil}::text AS "lock"`,
      request.scope,
      request.key,
      request.fingerprint,
      resourceId,
      request.lockSeconds,
    );
    return execute(request, lock, resourceId, false);
  }
  if (row.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
  if (row.status !== null) {
    return {
      kind: 'replay',
      response: {
        status: row.status,
        headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
        body: row.body ?? '',
      },
    };
  }
  if (row.locked) return { kind: 'in-flight' };
  // Not finished and no live lock: the earlier attempt crashed, timed out or failed with a server error.
  // This attempt takes over with the same resource id, so its effects land on what the first one began.
  const lock = await relock(
    tx,
    `UPDATE ${t} SET ${C.lockedUntil} = now() + make_interval(secs => $3::double precision) ` +
      `WHERE ${C.scope} = $1 AND ${C.key} = $2 RETURNING ${C.lockedUntil}::text AS "lock"`,
    request.scope,
    request.key,
    request.lockSeconds,
  );
  return execute(request, lock, row.resourceId, true);
}

async function relock(tx: SqlTransaction, sql: string, ...values: unknown[]): Promise<string> {
  const rows = await tx.$queryRawUnsafe<Array<{ lock: string }>>(sql, ...values);
  const lock = rows[0]?.lock;
  if (lock === undefined) throw new Error('The idempotency key row locked FOR UPDATE vanished.');
  return lock;
}

function execute(request: ClaimRequest, lock: string, resourceId: string | null, recovered: boolean): Claim {
  return { kind: 'execute', lease: { scope: request.scope, key: request.key, lock, resourceId }, recovered };
}

/**
 * Phase 2's last write, in the effect's transaction: "done" with the response. False when this attempt
 * no longer holds the key (its lock expired and another attempt took over): the caller must roll back.
 */
export async function recordResponse(
  tx: SqlTransaction,
  schema: string | undefined,
  lease: KeyLease,
  response: StoredResponse,
): Promise<boolean> {
  const updated = await tx.$executeRawUnsafe(
    `UPDATE ${table(schema)} SET ${C.lockedUntil} = NULL, ${C.responseStatus} = $4::smallint, ` +
      `${C.responseHeaders} = $5::jsonb, ${C.responseBody} = $6 ` +
      `WHERE ${C.scope} = $1 AND ${C.key} = $2 AND ${C.lockedUntil} = $3::timestamptz AND ${C.responseStatus} IS NULL`,
    lease.scope,
    lease.key,
    lease.lock,
    response.status,
    JSON.stringify(response.headers),
    response.body,
  );
  return updated === 1;
}

/** Ends this attempt's lock without a response, so a retry takes over at once (same resource id). */
export async function releaseKey(store: IdempotencyStore, lease: KeyLease): Promise<void> {
  await store.transaction(async (tx) =>
    tx.$executeRawUnsafe(
      `UPDATE ${table(store.schema)} SET ${C.lockedUntil} = now() ` +
        `WHERE ${C.scope} = $1 AND ${C.key} = $2 AND ${C.lockedUntil} = $3::timestamptz AND ${C.responseStatus} IS NULL`,
      lease.scope,
      lease.key,
      lease.lock,
    ),
  );
}

/** Deletes up to `limit` keys older than `ttlSeconds`, oldest first; rows another transaction holds are left for later. */
export async function deleteExpiredKeys(
  store: IdempotencyStore,
  options: { ttlSeconds: number; limit: number },
): Promise<number> {
  const t = table(store.schema);
  return store.transaction(async (tx) =>
    tx.$executeRawUnsafe(
      `DELETE FROM ${t} WHERE (${C.scope}, ${C.key}) IN (SELECT ${C.scope}, ${C.key} FROM ${t} ` +
        `WHERE ${C.createdAt} <= now() - make_interval(secs => $1::double precision) ` +
        `ORDER BY ${C.createdAt} LIMIT $2::int FOR UPDATE SKIP LOCKED)`,
      options.ttlSeconds,
      options.limit,
    ),
  );
}
