import { migrate, type MigrationLogger } from '@shop/database';
import pg from 'pg';
import { seedShardMap } from './directory/shard-directory.ts';
import {
  describeAssignments,
  spreadAssignments,
  validateShardMap,
  type ShardAssignment,
  type ShardMap,
} from './directory/shard-map.ts';
import { shardSchema } from './shard-schema.ts';
import { redactUrl, type ShardServers } from './shard-servers.ts';
import { ShardMapError } from './sharding.errors.ts';

export interface MigrateShardsOptions {
  servers: ShardServers;
  /** Where the shard map lives; created and seeded (version 1) when empty. Either this or `map`. */
  directoryUrl?: string;
  /** Place shards by this map instead of the directory's (a test, or a target server during a move). */
  map?: ShardMap;
  /** Version 1's assignments if the directory is empty; default: contiguous ranges over the servers in order. */
  initialAssignments?: readonly ShardAssignment[];
  shardCount: number;
  schemaPrefix: string;
  migrationsDir: string;
  logger: MigrationLogger;
}

export interface ShardMigration {
  readonly shard: number;
  readonly schema: string;
  readonly server: string;
  readonly applied: readonly string[];
}

/**
 * Applies a migrations folder to every shard's schema on the server the map places it on, idempotently
 * (each schema keeps its own _prisma_migrations), and reports one line per shard: `shard 03 on a: 2 applied`
 * or `shard 03 on a: up to date`. Servers are migrated in parallel, the shards of one server one after
 * another (the migration lock is per database, so more would only wait).
 */
export async function migrateShards(options: MigrateShardsOptions): Promise<ShardMigration[]> {
  const map = await mapFor(options);
  const { logger } = options;
  const byServer = new Map<string, number[]>();
  for (const { shard, server } of map.assignments)
    byServer.set(server, [...(byServer.get(server) ?? []), shard]);
  const quiet: MigrationLogger = { info: () => undefined, warn: (message) => logger.warn(message) };

  // Every server runs to its end (or its first failure) before a failure is reported, so the report is whole.
  const outcomes = await Promise.allSettled(
    [...byServer].map(async ([server, shards]) => {
      const migrated: ShardMigration[] = [];
      for (const shard of shards) {
        const schema = shardSchema(options.schemaPrefix, shard);
        const label = `shard ${String(shard).padStart(2, '0')} on ${server}`;
        const result = await migrate({
          databaseUrl: options.servers[server]!,
          migrationsDir: options.migrationsDir,
          schema,
          logger: quiet,
        }).catch((error: unknown) => {
          logger.warn(`${label}: failed`);
          throw new Error(`${label} (schema ${schema}): ${(error as Error).message}`, { cause: error });
        });
        const applied = result.applied.map((migration) => migration.name);
        logger.info(`${label}: ${applied.length === 0 ? 'up to date' : `${applied.length} applied`}`);
        migrated.push({ shard, schema, server, applied });
      }
      return migrated;
    }),
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  const results = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<ShardMigration[]>).value);
  return results.flat().sort((a, b) => a.shard - b.shard);
}

async function mapFor(options: MigrateShardsOptions): Promise<ShardMap> {
  const expected = { shardCount: options.shardCount, servers: Object.keys(options.servers) };
  if (options.map !== undefined) return validateShardMap(options.map, expected);
  if (options.directoryUrl === undefined) {
    throw new ShardMapError(
      'SHARD_ERR_CONFIG',
      'migrateShards needs the directory URL (or a map) to know which server each shard is on.',
    );
  }
  const pool = new pg.Pool({
    connectionString: options.directoryUrl,
    max: 1,
    application_name: 'shop-migrate shard map',
  });
  pool.on('error', () => undefined);
  try {
    const { map, seeded } = await seedShardMap(
      pool,
      {
        shardCount: options.shardCount,
        assignments: options.initialAssignments ?? spreadAssignments(expected.servers, options.shardCount),
        note: 'seeded by db:migrate',
      },
      expected,
    );
    options.logger.info(
      `${seeded ? 'seeded' : 'using'} shard map version ${map.version} (${describeAssignments(map.assignments)}) from ${redactUrl(options.directoryUrl)}`,
    );
    return map;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
