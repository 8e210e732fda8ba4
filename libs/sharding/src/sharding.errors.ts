import { defineError } from '@shop/platform/errors';

/** The HTTP-facing errors of sharded data access; the service's error handler renders them. */
export const ShardingErrors = {
  frozen: defineError(
    'SHARD_ERR_FROZEN',
    503,
    'This data is being moved to another server and accepts no writes for a few seconds; retry after Retry-After.',
  ),
  unavailable: defineError(
    'SHARD_ERR_UNAVAILABLE',
    503,
    'Some of the data this listing needs is unavailable right now; retry after Retry-After.',
  ),
  invalidCursor: defineError(
    'SHARD_ERR_INVALID_CURSOR',
    400,
    'The cursor is not one this listing returned; drop it to start from the first page.',
  ),
};

/**
 * A configuration or directory problem that must stop a replica from starting (or a publisher from
 * writing): an invalid shard map, a shard count that differs from the configured one, unknown servers.
 */
export class ShardMapError extends Error {
  readonly code: string;

  constructor(
    code: 'SHARD_ERR_INVALID_MAP' | 'SHARD_ERR_NO_MAP' | 'SHARD_ERR_CONFIG',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ShardMapError';
    this.code = code;
  }
}

/** A publisher lost the race for the next map version; re-read the current map and decide again. */
export class ShardMapConflictError extends Error {
  readonly code = 'SHARD_ERR_MAP_CONFLICT';
  readonly currentVersion: number;

  constructor(attempted: number, currentVersion: number) {
    super(
      `Cannot publish shard map version ${attempted}: the current version is ${currentVersion}, so the next ` +
        `must be ${currentVersion + 1}. Another publisher changed the map meanwhile; read the current map ` +
        'and build the change on it again.',
    );
    this.name = 'ShardMapConflictError';
    this.currentVersion = currentVersion;
  }
}
