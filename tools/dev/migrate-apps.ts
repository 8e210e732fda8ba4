import { join } from 'node:path';
import { listPrismaApps, migrate, type PrismaApp } from '@shop/database';
import { migrateShards, parseAssignments, parseShardServers } from '@shop/sharding';
import { discoverServices, type DevService } from './services.ts';

export interface MigrateAppsOptions {
  /** The workspace root (apps/ below it). */
  root: string;
  /** App names; empty for every app with a prisma/migrations folder. */
  requested: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  log(message: string): void;
}

type Sharded = NonNullable<DevService['sharded']>;

/**
 * `npm run db:migrate`: applies each app's pending migrations. A plain app's database is in
 * <APP>_DATABASE_URL (or DATABASE_URL); a sharded app (a `shop.sharded` block) is migrated shard by shard,
 * each on the server its shard map places it on (the map is seeded when the directory is empty).
 */
export async function migrateApps(options: MigrateAppsOptions): Promise<void> {
  const { env, log } = options;
  const all = (await listPrismaApps(join(options.root, 'apps'))).filter((app) => app.hasMigrations);
  const unknown = options.requested.filter((name) => !all.some((app) => app.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `No migrations in apps/${unknown[0]}/prisma/migrations; apps with migrations: ${all.map((app) => app.name).join(', ') || '(none)'}. ` +
        'Create the first one with npm run db:migration -- <app> init.',
    );
  }
  const apps =
    options.requested.length === 0 ? all : all.filter((app) => options.requested.includes(app.name));
  if (apps.length === 0) return log('no app has a prisma/migrations folder; nothing to migrate.');

  const sharding = new Map(
    (await discoverServices(options.root)).map((service) => [service.name, service.sharded]),
  );
  const problems = apps.flatMap((app) => {
    const sharded = sharding.get(app.name);
    return sharded === undefined ? missingDatabase(app, env) : missingShardSettings(app, sharded, env);
  });
  if (problems.length > 0) throw new Error(`Cannot migrate: ${problems.join(' ')}`);

  for (const [index, app] of apps.entries()) {
    const sharded = sharding.get(app.name);
    const logger = {
      info: (message: string) => log(`  ${message}`),
      warn: (message: string) => log(`  warning: ${message}`),
    };
    if (sharded !== undefined) {
      log(
        `(${index + 1}/${apps.length}) ${app.name}: migrating ${sharded.count} shards (servers from ${sharded.servers}) ...`,
      );
      const servers = parseShardServers(env[sharded.servers]!, sharded.servers);
      const assignment = sharded.initialAssignment === undefined ? undefined : env[sharded.initialAssignment];
      const results = await migrateShards({
        servers,
        directoryUrl: env[sharded.directory]!,
        shardCount: sharded.count,
        schemaPrefix: sharded.schemaPrefix,
        migrationsDir: app.migrationsDir,
        logger,
        ...(assignment === undefined || assignment === ''
          ? {}
          : { initialAssignments: parseAssignments(assignment, sharded.count) }),
      });
      const applied = results.reduce((sum, result) => sum + result.applied.length, 0);
      log(`${app.name}: ${results.length} shards migrated, ${applied} migration(s) applied in all.`);
      continue;
    }
    const target = databaseUrlFor(app, env)!;
    log(`(${index + 1}/${apps.length}) ${app.name}: migrating the database from ${target.variable} ...`);
    const result = await migrate({ databaseUrl: target.url, migrationsDir: app.migrationsDir, logger });
    log(
      `${app.name}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied (schema ${result.schema}).`,
    );
  }
}

function urlVariable(app: PrismaApp): string {
  return `${app.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_DATABASE_URL`;
}

function databaseUrlFor(
  app: PrismaApp,
  env: MigrateAppsOptions['env'],
): { url: string; variable: string } | undefined {
  for (const variable of [urlVariable(app), 'DATABASE_URL']) {
    const url = env[variable];
    if (url !== undefined && url !== '') return { url, variable };
  }
  return undefined;
}

function missingDatabase(app: PrismaApp, env: MigrateAppsOptions['env']): string[] {
  if (databaseUrlFor(app, env) !== undefined) return [];
  return [
    `No database configured for ${app.name}: set ${urlVariable(app)} (or DATABASE_URL for all apps) to a ` +
      'PostgreSQL URL, e.g. postgres://user:password@127.0.0.1:5432/auth.',
  ];
}

// A sharded app never falls back to DATABASE_URL: migrating 16 shards into the wrong place is not a default.
function missingShardSettings(app: PrismaApp, sharded: Sharded, env: MigrateAppsOptions['env']): string[] {
  const missing = [sharded.servers, sharded.directory].filter((variable) => (env[variable] ?? '') === '');
  if (missing.length === 0) return [];
  return [
    `${app.name} is sharded: set ${missing.join(' and ')} (${sharded.servers}=a=postgres://...,b=postgres://... ` +
      `and ${sharded.directory}=postgres://... for the shard map).`,
  ];
}
