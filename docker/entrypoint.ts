import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The image's entry point (docker/Dockerfile): `serve` (the default) starts the service; `migrate` applies
// its Prisma migrations and exits (a sharded app's to every shard, as `npm run db:migrate -- <app>` does);
// `seed` (product only) loads the demo catalog, idempotently, and exits. SHOP_APP names the app the
// image was built for. Node is PID 1 and the service's own SIGTERM handler drains it.

// tools/dev/migrate-apps.ts, loaded by path: in the image it is a file beside this one, not a workspace
// project to import by name.
interface MigrateAppsModule {
  migrateApps(options: {
    root: string;
    requested: readonly string[];
    env: Readonly<Record<string, string | undefined>>;
    log(message: string): void;
  }): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..');
const JOBS = ['serve', 'migrate', 'seed'] as const;
type Job = (typeof JOBS)[number];

function log(message: string): void {
  process.stderr.write(`[entrypoint] ${message}\n`);
}

function usage(problem: string): never {
  log(
    `${problem} Usage: <image> [serve|migrate|seed] (seed takes the seed script's --count, --seed, --if-empty).`,
  );
  process.exit(2);
}

const app = process.env['SHOP_APP'];
if (app === undefined || !/^[a-z][a-z0-9-]*$/.test(app))
  usage('SHOP_APP is not set to an app name (the image sets it).');
const appDir = join(ROOT, 'apps', app);
const [requested = 'serve', ...rest] = process.argv.slice(2);
if (!(JOBS as readonly string[]).includes(requested)) usage(`Unknown job "${requested}".`);
const job = requested as Job;

if (job === 'serve') {
  if (rest.length > 0)
    usage(`serve takes no arguments (got ${rest.join(' ')}); configure it with its environment.`);
  await import(join(appDir, 'src', 'main.ts'));
} else if (job === 'migrate') {
  if (!existsSync(join(appDir, 'prisma', 'migrations'))) {
    log(`${app} has no database migrations; nothing to migrate.`);
  } else {
    const { migrateApps } = (await import(
      join(ROOT, 'tools', 'dev', 'migrate-apps.ts')
    )) as MigrateAppsModule;
    try {
      await migrateApps({ root: ROOT, requested: [app], env: process.env, log: (line) => log(line) });
    } catch (error) {
      log(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
} else {
  const script = join(appDir, 'tools', 'seed.ts');
  if (!existsSync(script)) usage(`${app} has no seed job (only product seeds its demo catalog).`);
  // The seed script runs as its own program (it starts when it is the main module), with its options.
  const child = spawn(process.execPath, [script, ...rest], { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) log(`seed ${signal === null ? `exited with ${code}` : `was stopped by ${signal}`}.`);
  process.exitCode = code ?? 1;
}
