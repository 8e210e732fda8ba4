import { readFile } from 'node:fs/promises';
import pg from 'pg';

export const EVENT_TABLES_SQL = new URL('../fixtures/event-tables.sql', import.meta.url);

/** Creates the outbox and inbox tables in `schema`, from the SQL Prisma renders for the README's models. */
export async function createEventTables(databaseUrl: string, schema: string): Promise<void> {
  const sql = await readFile(EVENT_TABLES_SQL, 'utf8');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const quoted = client.escapeIdentifier(schema);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}; SET search_path TO ${quoted}; ${sql}`);
  } finally {
    await client.end();
  }
}
