import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Registry } from 'prom-client';
import { resolveSchema } from '../postgres-target.ts';
import { exposePoolMetrics } from './pool.metrics.ts';

export interface PrismaClientSettings {
  databaseUrl: string;
  /** Schema the client queries (e.g. `shard_07`); defaults to the URL's `?schema=`, then `public`. */
  schema?: string;
  /** Connections in this client's pool; default 10. Size it as replicas x poolSize <= the server's budget. */
  poolSize?: number;
  /** Give up waiting for a pooled connection after this long; default 5 s, so overload fails fast. */
  connectionTimeoutMs?: number;
  /** Close connections idle this long; default 30 s. */
  idleTimeoutMs?: number;
  /** Shows in pg_stat_activity, to tell services and shards apart; default `shop`. */
  applicationName?: string;
  /** Errors of idle pooled connections (server restart, network cut); the next query also fails. */
  onPoolError?: (error: Error) => void;
  /** The service's registry (`app.metrics`): exposes the pool as `db_pool_*{pool=applicationName}`. */
  registry?: Registry;
}

/** A generated `PrismaClient` class; its options other than `adapter` pass through `clientOptions`. */
export type PrismaClientClass = new (options: never) => unknown;

type ClientOptionsOf<Class extends PrismaClientClass> = Omit<
  NonNullable<ConstructorParameters<Class>[0]>,
  'adapter'
>;

/**
 * Builds an app's generated Prisma client on `@prisma/adapter-pg` (the Rust-free client), the same way in
 * every app. The schema is applied both to Prisma's generated SQL (it qualifies table names with it) and to
 * the connections' search_path, so `$queryRaw` with unqualified names sees the same tables.
 */
export function createPrismaClient<Class extends PrismaClientClass>(
  PrismaClient: Class,
  settings: PrismaClientSettings,
  clientOptions?: ClientOptionsOf<Class>,
): InstanceType<Class> {
  const schema = resolveSchema(settings.databaseUrl, settings.schema);
  // The pool is made here (not by the adapter) so its counts can be exposed; the adapter still ends it.
  const pool = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: settings.poolSize ?? 10,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: settings.idleTimeoutMs ?? 30_000,
    application_name: settings.applicationName ?? 'shop',
    options: `-c search_path=${schema}`,
  });
  if (settings.registry !== undefined) {
    exposePoolMetrics(settings.registry, settings.applicationName ?? 'shop', pool);
  }
  const adapter = new PrismaPg(pool, {
    schema,
    disposeExternalPool: true,
    ...(settings.onPoolError === undefined ? {} : { onPoolError: settings.onPoolError }),
  });
  const Client = PrismaClient as unknown as new (options: object) => InstanceType<Class>;
  return new Client({ ...clientOptions, adapter });
}
