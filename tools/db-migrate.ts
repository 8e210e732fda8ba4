import { join } from 'node:path';
import { listPrismaApps, migrate, type PrismaApp } from '@shop/database';

// npm run db:migrate [-- app ...]: applies each app's pending migrations (apps/<app>/prisma/migrations)
// to the database in <APP>_DATABASE_URL, or DATABASE_URL when that is unset. A `?schema=` in the URL
// picks the PostgreSQL schema. Safe to run from several places at once: the runner takes a lock.

const ROOT = join(import.meta.dirname, '..');

function log(message: string): void {
  process.stderr.write(`[db:migrate] ${message}\n`);
}

function urlVariable(app: PrismaApp): string {
  return `${app.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_DATABASE_URL`;
}

function databaseUrlFor(app: PrismaApp): { url: string; variable: string } | undefined {
  for (const variable of [urlVariable(app), 'DATABASE_URL']) {
    const url = process.env[variable];
    if (url !== undefined && url !== '') return { url, variable };
  }
  return undefined;
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const all = (await listPrismaApps(join(ROOT, 'apps'))).filter((app) => app.hasMigrations);
  const unknown = requested.filter((name) => !all.some((app) => app.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `No migrations in apps/${unknown[0]}/prisma/migrations; apps with migrations: ${all.map((app) => app.name).join(', ') || '(none)'}. ` +
        'Create the first one with npm run db:migration -- <app> init.',
    );
  }
  const apps = requested.length === 0 ? all : all.filter((app) => requested.includes(app.name));
  if (apps.length === 0) return log('no app has a prisma/migrations folder; nothing to migrate.');

  const missing = apps.filter((app) => databaseUrlFor(app) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `No database configured for ${missing.map((app) => app.name).join(', ')}: set ` +
        `${missing.map(urlVariable).join(', ')} (or DATABASE_URL for all apps) to a PostgreSQL URL, e.g. ` +
        'postgres://user:password@127.0.0.1:5432/auth.',
    );
  }
  for (const [index, app] of apps.entries()) {
    const target = databaseUrlFor(app);
    if (target === undefined) continue;
    log(`(${index + 1}/${apps.length}) ${app.name}: migrating the database from ${target.variable} ...`);
    const logger = {
      info: (message: string) => log(`  ${message}`),
      warn: (message: string) => log(`  warning: ${message}`),
    };
    const result = await migrate({ databaseUrl: target.url, migrationsDir: app.migrationsDir, logger });
    log(
      `${app.name}: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied (schema ${result.schema}).`,
    );
  }
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
