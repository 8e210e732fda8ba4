import { createTestDatabase, type TestDatabase } from '@shop/testing';
import pg from 'pg';

/**
 * Stand-ins for physical servers: one fresh database per name on the test server (different URLs, so
 * routing by URL is observable), plus a directory database. The shard-move tests use a second real server.
 */
export async function createTestServers(names: readonly string[]): Promise<{
  servers: Record<string, string>;
  directoryUrl: string;
  directory: pg.Pool;
  drop(): Promise<void>;
}> {
  const databases: TestDatabase[] = [];
  const servers: Record<string, string> = {};
  for (const name of names) {
    const database = await createTestDatabase(`server_${name}`);
    databases.push(database);
    servers[name] = database.url;
  }
  const directoryDatabase = await createTestDatabase('directory');
  databases.push(directoryDatabase);
  const directory = new pg.Pool({ connectionString: directoryDatabase.url, max: 4 });
  return {
    servers,
    directoryUrl: directoryDatabase.url,
    directory,
    drop: async () => {
      await directory.end();
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
}

/** The database name a URL points at. */
export function databaseOf(url: string): string {
  return new URL(url).pathname.slice(1);
}
