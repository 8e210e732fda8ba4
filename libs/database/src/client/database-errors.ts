import { AppError, defineError } from '@shop/platform';
import { sqlStateOf } from './sql-state.ts';

/** Errors every service answers the same way for its database, whatever the route or the query. */
export const DatabaseErrors = {
  busy: defineError(
    'DATABASE_ERR_BUSY',
    503,
    'Every database connection is busy; retry in a moment (see Retry-After).',
  ),
  invalidValue: defineError(
    'DATABASE_ERR_INVALID_VALUE',
    400,
    'A value in the request cannot be stored or compared by the database; correct it and try again.',
  ),
};

// pg-pool's only signals that no connection freed up, or none opened, within connectionTimeoutMillis.
const CONNECT_TIMEOUTS = new Set([
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
]);

// SQLSTATE class 22 (data exception): the value is at fault, never the server. What the client can fix.
const DATA_EXCEPTIONS: Record<string, string> = {
  '22001': 'a text is longer than its column allows',
  '22003': 'a number is out of range',
  '22007': 'a date or time has the wrong format',
  '22008': 'a date or time is out of range',
  '22021': 'a text contains a NUL character or bytes that are not UTF-8',
  '22P02': 'a value has the wrong format for its type',
  '22P05': 'a text contains a character the database cannot store (NUL, \\u0000)',
};

/**
 * What a database error means to the client: pool exhausted or connect timeout -> 503 with Retry-After
 * (overload, not a bug), a data exception (class 22) -> 400; anything else is returned unchanged.
 */
export function toDatabaseAppError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof Error && CONNECT_TIMEOUTS.has(error.message)) {
    return DatabaseErrors.busy(undefined, { cause: error, headers: { 'retry-after': '1' } });
  }
  const state = sqlStateOf(error);
  if (state?.startsWith('22')) {
    const reason = DATA_EXCEPTIONS[state] ?? 'a value is invalid for the database';
    return DatabaseErrors.invalidValue(
      `A value in the request cannot be stored or compared by the database: ${reason}. Correct it and try again.`,
      { cause: error, extensions: { sqlState: state } },
    );
  }
  return error;
}

/** What withDatabaseErrors needs of a generated client; every Prisma client has it. */
interface Extendable {
  $extends(extension: object): unknown;
}

export interface DatabaseErrorOptions {
  /**
   * Runs first on every error that is not an AppError yet: returns an AppError for what only the caller
   * knows the meaning of (e.g. the SQLSTATE a library raises itself), or the error unchanged for the defaults.
   */
  translate?: (error: unknown) => unknown;
}

/**
 * The client with every database error translated by `options.translate`, then {@link toDatabaseAppError},
 * once, for every model query, raw query and transaction (batch or interactive, its start included), so no
 * repository wraps calls itself. Typed as the client it extends: an extended client has no `$on`/`$use`,
 * nothing else.
 */
export function withDatabaseErrors<Client>(client: Client, options: DatabaseErrorOptions = {}): Client {
  const { translate } = options;
  // An AppError was translated already (an interactive transaction's query, rethrown by the transaction).
  const toAppError = (error: unknown) =>
    toDatabaseAppError(translate === undefined || error instanceof AppError ? error : translate(error));
  const queries = (client as Extendable).$extends({
    name: 'shop-database-errors',
    query: {
      async $allOperations({ args, query }: { args: unknown; query(args: unknown): Promise<unknown> }) {
        try {
          return await query(args);
        } catch (error) {
          throw toAppError(error);
        }
      },
    },
  }) as Extendable & { $transaction(...args: unknown[]): Promise<unknown> };
  // $transaction is not an operation: acquiring its connection fails outside $allOperations.
  return queries.$extends({
    name: 'shop-database-errors-transactions',
    client: {
      $transaction: (...args: unknown[]) =>
        queries.$transaction(...args).catch((error: unknown) => {
          throw toAppError(error);
        }),
    },
  }) as Client;
}
