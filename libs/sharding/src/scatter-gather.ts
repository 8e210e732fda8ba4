import pLimit from 'p-limit';
import { ShardingErrors } from './sharding.errors.ts';

/** The global sort key of admin listings: newest first, then the id, descending. */
export interface ListingKey {
  readonly createdAt: Date;
  readonly id: string;
}

export interface ScatterGatherOptions<Row extends ListingKey> {
  shards: readonly number[];
  /** Shards queried at once. */
  concurrency: number;
  pageSize: number;
  /** The `nextCursor` of the previous page; undefined for the first page. */
  cursor?: string | undefined;
  /**
   * Up to `limit` rows of one shard, ordered by (createdAt desc, id desc), strictly after `after`:
   * `WHERE (created_at, id) < ($after.createdAt, $after.id) ORDER BY created_at DESC, id DESC LIMIT $limit`.
   */
  fetch(shard: number, after: ListingKey | undefined, limit: number): Promise<readonly Row[]>;
  /** Retry-After of the 503 when a shard fails; default 5 s. */
  retryAfterSeconds?: number;
}

export interface ScatterGatherPage<Row> {
  readonly rows: readonly Row[];
  /** Pass back for the next page; undefined on the last page. */
  readonly nextCursor: string | undefined;
}

/**
 * One page of a listing over all shards: every shard is asked for the next `pageSize + 1` rows after the
 * cursor (at most `concurrency` at once), the answers are merged by (createdAt desc, id desc) and the first
 * `pageSize` returned. The cursor is the last key returned, so it is a global keyset: paging visits every
 * row exactly once and in order. Rows inserted after a page was read with keys newer than its cursor are not
 * in later pages (they sort before it); a listing started afterwards shows them.
 *
 * A shard that fails fails the page: AppError 503 SHARD_ERR_UNAVAILABLE naming the shards, with
 * Retry-After, because a silently short admin listing misleads.
 */
export async function scatterGather<Row extends ListingKey>(
  options: ScatterGatherOptions<Row>,
): Promise<ScatterGatherPage<Row>> {
  const { pageSize } = options;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError(`pageSize must be a positive integer, not ${pageSize}`);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, not ${options.concurrency}`);
  }
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const limit = pLimit(options.concurrency);
  const answers = await Promise.allSettled(
    options.shards.map((shard) => limit(() => options.fetch(shard, after, pageSize + 1))),
  );
  const failed = options.shards.filter((_, index) => answers[index]!.status === 'rejected');
  if (failed.length > 0) {
    const seconds = options.retryAfterSeconds ?? 5;
    throw ShardingErrors.unavailable(
      `Shard${failed.length > 1 ? 's' : ''} ${failed.join(', ')} did not answer, so this listing would be incomplete; retry after Retry-After.`,
      {
        headers: { 'retry-after': String(seconds) },
        extensions: { shards: failed, retryAfterSeconds: seconds },
        cause: (answers.find((answer) => answer.status === 'rejected') as PromiseRejectedResult).reason,
      },
    );
  }
  const merged = answers
    .flatMap((answer) => (answer as PromiseFulfilledResult<readonly Row[]>).value)
    .sort(newestFirst);
  const rows = merged.slice(0, pageSize);
  const last = rows.at(-1);
  return {
    rows,
    nextCursor: merged.length > pageSize && last !== undefined ? encodeCursor(last) : undefined,
  };
}

/** (createdAt desc, id desc); ids compare as PostgreSQL compares uuids (lower-case hex, byte order). */
export function newestFirst(a: ListingKey, b: ListingKey): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Opaque to clients: base64url of the last key returned. */
export function encodeCursor(key: ListingKey): string {
  return Buffer.from(JSON.stringify({ t: key.createdAt.toISOString(), id: key.id })).toString('base64url');
}

/** The key a cursor holds; AppError 400 SHARD_ERR_INVALID_CURSOR for anything we did not issue. */
export function decodeCursor(cursor: string): ListingKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ShardingErrors.invalidCursor();
  }
  const { t, id } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const createdAt = typeof t === 'string' ? new Date(t) : undefined;
  if (
    createdAt === undefined ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== t ||
    typeof id !== 'string' ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
  ) {
    throw ShardingErrors.invalidCursor();
  }
  return { createdAt, id };
}
