import { join } from 'node:path';
import { migrateApps } from './dev/migrate-apps.ts';

// npm run db:migrate [-- app ...]: applies each app's pending migrations (apps/<app>/prisma/migrations)
// to the database in <APP>_DATABASE_URL, or DATABASE_URL when that is unset; a sharded app (a
// `shop.sharded` block, tools/dev/services.ts) to every shard on the server its shard map names. A
// `?schema=` in the URL picks the PostgreSQL schema. Safe to run from several places at once: the runner
// takes a lock.

function log(message: string): void {
  process.stderr.write(`[db:migrate] ${message}\n`);
}

try {
  await migrateApps({
    root: join(import.meta.dirname, '..'),
    requested: process.argv.slice(2).filter((arg) => !arg.startsWith('--')),
    env: process.env,
    log,
  });
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
