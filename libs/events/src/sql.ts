import pg from 'pg';

/**
 * What this library needs from a transaction it joins: Prisma's interactive-transaction client
 * (`prisma.$transaction(async (tx) => ...)`) satisfies it, and so does a thin wrapper over `pg`.
 * Identifiers are escaped by the library; values always travel as bind parameters.
 */
export interface SqlTransaction {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

/** `"schema"."table"`, or just `"table"` to follow the connection's search_path. */
export function qualifiedTable(table: string, schema?: string): string {
  const quoted = pg.escapeIdentifier(table);
  return schema === undefined ? quoted : `${pg.escapeIdentifier(schema)}.${quoted}`;
}
