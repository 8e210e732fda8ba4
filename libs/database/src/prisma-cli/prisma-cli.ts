import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PrismaGenerateOptions {
  /** The app's schema.prisma. */
  schemaPath: string;
  /** The app's prisma.config.ts; defaults to the one beside the schema's folder, else ours (offline JS engine). */
  configPath?: string;
}

export interface PrismaDiffOptions {
  /** The schema.prisma to diff to. */
  schemaPath: string;
  /** `'empty'` or the path of the schema.prisma to diff from. */
  from: 'empty' | string;
  /** Any reachable PostgreSQL database; Prisma 6's JS schema engine connects (read-only) even for file diffs. */
  databaseUrl: string;
}

// Resolved when the CLI runs, not when this module loads: the service images ship @shop/database without
// the Prisma CLI (a build-time tool), and their services import this package.
const prismaCliPath = (): string => fileURLToPath(import.meta.resolve('prisma/build/index.js'));
const DEFAULT_CONFIG = fileURLToPath(new URL('../../prisma-cli.config.ts', import.meta.url));
const EMPTY_MIGRATION = /^\s*-- This is an empty migration\.\s*$/;
// Prisma 6 requires the datasource url's variable to be set even though the adapter makes the connections
// (without it the CLI misreads the engine type and tries to download one); this stands in for it.
const UNUSED_URL = 'postgresql://unused@127.0.0.1:1/unused';

/** Runs `prisma generate` for one schema, offline. */
export async function prismaGenerate(options: PrismaGenerateOptions): Promise<void> {
  const schemaPath = resolve(options.schemaPath);
  const appConfig = join(dirname(dirname(schemaPath)), 'prisma.config.ts');
  const config = options.configPath ?? (existsSync(appConfig) ? appConfig : DEFAULT_CONFIG);
  await runPrismaCli(['generate', '--schema', schemaPath], { schemaPath, config, databaseUrl: undefined });
}

/**
 * The SQL that takes a database from `from` (nothing, or what another schema.prisma describes) to
 * `schemaPath`, as `prisma migrate diff --script` renders it; empty string when there is no difference.
 * Always runs with our config: only the database handed in is touched, whatever an app's config says.
 */
export async function prismaDiffSql(options: PrismaDiffOptions): Promise<string> {
  const schemaPath = resolve(options.schemaPath);
  const from =
    options.from === 'empty' ? ['--from-empty'] : ['--from-schema-datamodel', resolve(options.from)];
  const { stdout } = await runPrismaCli(
    ['migrate', 'diff', ...from, '--to-schema-datamodel', schemaPath, '--script'],
    { schemaPath, config: DEFAULT_CONFIG, databaseUrl: options.databaseUrl },
  );
  return EMPTY_MIGRATION.test(stdout) ? '' : stdout;
}

async function runPrismaCli(
  args: string[],
  {
    schemaPath,
    config,
    databaseUrl,
  }: { schemaPath: string; config: string; databaseUrl: string | undefined },
): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    // eslint-disable-next-line no-restricted-properties -- the CLI child inherits the environment plus these
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    SHOP_PRISMA_SCHEMA: schemaPath,
    ...(databaseUrl === undefined ? {} : { SHOP_PRISMA_DATABASE_URL: databaseUrl }),
  };
  for (const variable of await datasourceEnvVariables(schemaPath)) {
    if (env[variable] === undefined || env[variable] === '') env[variable] = UNUSED_URL;
  }
  const command = `prisma ${args.join(' ')} --config ${config}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCliPath(), ...args, '--config', config], {
      cwd: dirname(config),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) =>
      reject(
        new Error(`Could not start \`${command}\`: ${error.message}. Run npm install.`, { cause: error }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve({ stdout, stderr });
      reject(
        new Error(
          `\`${command}\` failed (exit ${code}):\n${(stderr.trim() || stdout.trim()).slice(-4000)}\n` +
            'Fix the error above; a download error means the schema engine was not configured offline ' +
            '(the schema needs `url = env("...")` in its datasource and a prisma.config.ts with engine: "js").',
        ),
      );
    });
  });
}

/** Names of the variables the schema's datasource reads with env("..."). */
async function datasourceEnvVariables(schemaPath: string): Promise<string[]> {
  const schema = await readFile(schemaPath, 'utf8').catch((error: unknown) => {
    const reason = (error as Error).message;
    throw new Error(`Cannot read ${schemaPath}: ${reason}. Pass the app's prisma/schema.prisma.`, {
      cause: error,
    });
  });
  const datasource = /^\s*datasource\s+\w+\s*\{([^}]*)\}/m.exec(schema)?.[1] ?? '';
  return [...datasource.matchAll(/env\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1] ?? '').filter(Boolean);
}
