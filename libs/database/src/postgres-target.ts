import { InvalidSchemaNameError } from './migrate/migrate.errors.ts';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The PostgreSQL schema to work in: the explicit one, else the URL's `?schema=` (Prisma's convention),
 * else `public`. Restricted to plain identifiers so it can go into search_path settings unquoted-safe.
 */
export function resolveSchema(databaseUrl: string, schema?: string): string {
  const chosen = schema ?? parseUrl(databaseUrl)?.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(chosen)) throw new InvalidSchemaNameError(chosen);
  return chosen;
}

/** Host, port, database and schema of a URL, without credentials, for messages and logs. */
export function describeTarget(databaseUrl: string, schema: string): string {
  const url = parseUrl(databaseUrl);
  const database = url === undefined ? '(unparsable URL)' : `${url.host}${url.pathname}`;
  return `${database} (schema ${schema})`;
}

function parseUrl(databaseUrl: string): URL | undefined {
  try {
    return new URL(databaseUrl);
  } catch {
    return undefined;
  }
}
