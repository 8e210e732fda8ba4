import pg from 'pg';

/** The PostgreSQL server of `npm start`. */
export interface DevPostgres {
  /** Superuser URL of the server's maintenance database. */
  url: string;
  /** URL of `name`, created if it does not exist yet. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Creates database `name` on the server at `serverUrl` (a superuser URL) unless it exists; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${name}`;
  return databaseUrl.toString();
}
