import type { Server } from 'node:http';
import pg from 'pg';
import supertest from 'supertest';
import { createTestDatabase } from './postgres.ts';

/** What the kit needs of a service: a Fastify instance (what buildService returns) has these. */
export interface TestableService {
  readonly server: Server;
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

export interface ServiceUnderTestOptions<S extends TestableService> {
  /** Label of the service's fresh database (shows in its name). */
  database: string;
  /** Prepares the fresh database before the first start, e.g. applies the service's migrations. */
  migrate(databaseUrl: string): Promise<unknown>;
  /** Builds one replica on the database; `env` is what the test asked for (overrides of its config). */
  start(databaseUrl: string, env: Record<string, string>): Promise<S>;
}

export interface ServiceUnderTest<S extends TestableService> {
  /** The first replica, ready. */
  app: S;
  /** supertest on the first replica's server. */
  http: ReturnType<typeof supertest>;
  databaseUrl: string;
  /** Runs SQL on the service's database, to check what was stored. */
  sql<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>;
  /** Another replica on the same database, with `env` on top of the first one's. */
  startReplica(env?: Record<string, string>): Promise<S>;
  /** Closes `close` with the rest: the replicas first, then this, then the database. */
  onClose(close: () => PromiseLike<unknown>): void;
  /** Closes every replica and what onClose registered, and drops the database. */
  close(): Promise<void>;
}

/**
 * A service on a fresh, migrated database of its own (so test files run in parallel), ready for
 * supertest, and closed with everything it opened. The service's own helper passes how to migrate and
 * how to build it from its config, and adds what is particular to it.
 */
export async function startServiceUnderTest<S extends TestableService>(
  options: ServiceUnderTestOptions<S>,
  env: Record<string, string> = {},
): Promise<ServiceUnderTest<S>> {
  const db = await createTestDatabase(options.database);
  const closers: (() => PromiseLike<unknown>)[] = [];
  const replicas: S[] = [];
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // Dropping the database terminates idle connections; that is expected, not a test failure.
  pool.on('error', () => undefined);
  const close = async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    for (const closer of closers.reverse()) await closer();
    await pool.end();
    await db.drop();
  };
  const startReplica = async (overrides: Record<string, string> = {}) => {
    const replica = await options.start(db.url, { ...env, ...overrides });
    replicas.push(replica);
    await replica.ready();
    return replica;
  };
  try {
    await options.migrate(db.url);
    const app = await startReplica();
    return {
      app,
      http: supertest(app.server),
      databaseUrl: db.url,
      sql: async (text, values) => (await pool.query(text, values)).rows,
      startReplica,
      onClose: (closer) => void closers.push(closer),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
