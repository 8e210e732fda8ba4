import { after, type TestContext } from 'node:test';
import { createTestDatabase, stopAllServers } from '@shop/testing';
import pg from 'pg';

after(() => stopAllServers());

/** Runs one query on a fresh connection, for asserting stored state. */
export async function query<Row extends pg.QueryResultRow>(
  databaseUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh database for one test, dropped after it. */
export async function freshDatabase(t: TestContext, label: string): Promise<string> {
  const database = await createTestDatabase(label);
  t.after(() => database.drop());
  return database.url;
}
