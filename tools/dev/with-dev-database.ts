import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { devPostgresDir, startDevPostgres } from './embedded-postgres.ts';

// node tools/dev/with-dev-database.ts <service> <command> [args ...]: runs a service's own command (its
// seed, say) with <SERVICE>_DATABASE_URL set. When neither it nor DATABASE_URL is set, that is the
// service's database on the embedded PostgreSQL of `npm start` (which must be stopped: one server per
// data directory), started for the command and stopped after it.

const ROOT = join(import.meta.dirname, '..', '..');
const [service, command, ...args] = process.argv.slice(2);

function log(message: string): void {
  process.stderr.write(`[dev-database] ${message}\n`);
}

function run(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function embeddedDatabaseUrl(name: string) {
  const dataDir = devPostgresDir(ROOT);
  const running = await readFile(join(dataDir, 'data', 'postmaster.pid'), 'utf8').then(
    () => true,
    () => false,
  );
  if (running) {
    throw new Error(
      `The embedded PostgreSQL of npm start is running (or did not shut down cleanly). Stop npm start and run this again, or set ${variable}=postgresql://...@127.0.0.1:54329/${name}.`,
    );
  }
  log(`starting the embedded PostgreSQL (data in ${dataDir}) ...`);
  const server = await startDevPostgres({
    dataDir,
    port: Number(process.env['DEV_POSTGRES_PORT'] ?? 54329),
    log,
  });
  return { url: await server.database(name), stop: () => server.stop() };
}

if (service === undefined || command === undefined) {
  log('usage: node tools/dev/with-dev-database.ts <service> <command> [args ...]');
  process.exit(2);
}
const variable = `${service.toUpperCase()}_DATABASE_URL`;
const configured = process.env[variable] || process.env['DATABASE_URL'];
try {
  const embedded = configured ? undefined : await embeddedDatabaseUrl(`shop_${service}`);
  const code = await run({ ...process.env, [variable]: configured ?? embedded!.url }).finally(() =>
    embedded?.stop(),
  );
  process.exit(code);
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
