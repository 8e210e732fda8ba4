/**
 * What the plugin needs from a transaction: Prisma's interactive-transaction client
 * (`prisma.$transaction(async (tx) => ...)`) satisfies it, and so does a thin wrapper over `pg`.
 * Identifiers are escaped by the plugin; values always travel as bind parameters.
 */
export interface SqlTransaction {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/**
 * Where keys are kept: the database, and the transaction, of the effect they guard. With Prisma:
 * `{ transaction: (work) => prisma.$transaction(work), schema: 'orders_s03' }`.
 */
export interface IdempotencyStore<TTx extends SqlTransaction = SqlTransaction> {
  /** Runs `work` in one database transaction, committing when it resolves and rolling back when it throws. */
  transaction<T>(work: (tx: TTx) => Promise<T>): Promise<T>;
  /** Schema of the `idempotency_keys` table; omit for the connection's search_path. */
  schema?: string;
  /**
   * Runs one statement on its own, committed at once (with Prisma: the client itself). Optional: with it, a
   * key never seen before is claimed by a single INSERT instead of BEGIN, INSERT, COMMIT.
   */
  autocommit?: SqlTransaction;
}

/** The table every store declares (the model is in the README). */
export const IDEMPOTENCY_KEYS_TABLE = 'idempotency_keys';

/** Column names of {@link IDEMPOTENCY_KEYS_TABLE}. */
export const IDEMPOTENCY_KEYS_COLUMNS = {
  scope: 'scope',
  key: 'key',
  fingerprint: 'fingerprint',
  resourceId: 'resource_id',
  lockedUntil: 'locked_until',
  responseStatus: 'response_status',
  responseHeaders: 'response_headers',
  responseBody: 'response_body',
  createdAt: 'created_at',
} as const;

/** Column bounds, as the model declares them (`@db.VarChar(n)`); values are checked before any SQL. */
export const IDEMPOTENCY_LIMITS = {
  scope: 255,
  key: 255,
  resourceId: 255,
  /** Characters of a stored response body: a response larger than this cannot be replayed. */
  responseBody: 1_048_576,
  responseHeaders: 8_192,
} as const;
