import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PrismaCliTarget {
  /** The app's schema.prisma. */
  schemaPath: string;
  /** The app's prisma.config.ts; defaults to the one beside the schema's folder, else ours (offline JS engine). */
  configPath?: string;
}

export interface PrismaDiffOptions extends PrismaCliTarget {
  /** `'empty'` or the path of the schema.prisma to diff from. */
  from: 'empty' | string;
  /** Any reachable PostgreSQL database; Prisma 6's JS schema engine connects (read-only) even for file diffs. */
  databaseUrl: string;
}

const CLI = fileURLToPath(import.meta.resolve('prisma/build/index.js'));
const DEFAULT_CONFIG = fileURLToPath(new URL('../../prisma-cli.config.ts', import.meta.url));
const EMPTY_MIGRATION = /^\s*-- This is an empty migration\.\s*$/;
// Prisma 6 requires a datasource url even when the adapter makes the connections; these stand in for it.
const UNUSED_URL = 'postgresql://unused@127.0.0.1:1/unused';

/** Runs `prisma generate` for one schema, offline. */
export async function prismaGenerate(target: PrismaCliTarget): Promise<void> {
  const schemaPath = resolve(target.schemaPath);
  await runPrismaCli(['generate', '--schema', schemaPath], { ...target, schemaPath }, undefined);
}

/**
 * The SQL that takes a database from `from` (nothing, or what another schema.prisma describes) to
 * `schemaPath`, as `prisma migrate diff --script` renders it; empty string when there is no difference.
 */
export async function prismaDiffSql(options: PrismaDiffOptions): Promise<string> {
  const schemaPath = resolve(options.schemaPath);
  const from =
    options.from === 'empty' ? ['--from-empty'] : ['--from-schema-datamodel', resolve(options.from)];
  const { stdout } = await runPrismaCli(
    ['migrate', 'diff', ...from, '--to-schema-datamodel', schemaPath, '--script'],
    { ...options, schemaPath },
    options.databaseUrl,
  );
  return EMPTY_MIGRATION.test(stdout) ? '' : stdout;
}

/** The app's prisma.config.ts when it has one (next to its prisma/ folder), else ours. */
export function prismaConfigFor(target: PrismaCliTarget): string {
  if (target.configPath !== undefined) return target.configPath;
  const appConfig = join(dirname(dirname(target.schemaPath)), 'prisma.config.ts');
  return existsSync(appConfig) ? appConfig : DEFAULT_CONFIG;
}

async function runPrismaCli(
  args: string[],
  target: PrismaCliTarget,
  databaseUrl: string | undefined,
): Promise<{ stdout: string; stderr: string }> {
  const config = prismaConfigFor(target);
  const env: NodeJS.ProcessEnv = {
    // eslint-disable-next-line no-restricted-properties -- the CLI child inherits the environment plus these
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    SHOP_PRISMA_SCHEMA: target.schemaPath,
    ...(databaseUrl === undefined ? {} : { SHOP_PRISMA_DATABASE_URL: databaseUrl }),
  };
  for (const variable of await datasourceEnvVariables(target.schemaPath)) {
    // For a diff the app's own config may connect through this variable, so it must be our database.
    if (databaseUrl !== undefined) env[variable] = databaseUrl;
    else if (env[variable] === undefined || env[variable] === '') env[variable] = UNUSED_URL;
  }
  const command = `prisma ${args.join(' ')} --config ${config}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--config', config], {
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
export async function datasourceEnvVariables(schemaPath: string): Promise<string[]> {
  const schema = await readFile(schemaPath, 'utf8').catch((error: unknown) => {
    throw new Error(
      `Cannot read ${schemaPath}: ${(error as Error).message}. Pass the app's prisma/schema.prisma.`,
      {
        cause: error,
      },
    );
  });
  const datasource = /^\s*datasource\s+\w+\s*\{([^}]*)\}/m.exec(schema)?.[1] ?? '';
  return [...datasource.matchAll(/env\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1] ?? '').filter(Boolean);
}
