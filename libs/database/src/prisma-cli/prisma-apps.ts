import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** An app that keeps its database schema in `<app>/prisma/schema.prisma`. */
export interface PrismaApp {
  readonly name: string;
  readonly dir: string;
  readonly schemaPath: string;
  readonly migrationsDir: string;
  readonly hasMigrations: boolean;
  /** The app's own prisma.config.ts, when it has one. */
  readonly configPath: string | undefined;
}

/** Every `<appsDir>/<name>/prisma/schema.prisma`, by app name. */
export async function listPrismaApps(appsDir: string): Promise<PrismaApp[]> {
  const entries = await readdir(appsDir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => prismaApp(join(resolve(appsDir), entry.name)))
    .filter((app): app is PrismaApp => app !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function prismaApp(dir: string): PrismaApp | undefined {
  const schemaPath = join(dir, 'prisma', 'schema.prisma');
  if (!existsSync(schemaPath)) return undefined;
  const migrationsDir = join(dir, 'prisma', 'migrations');
  const configPath = join(dir, 'prisma.config.ts');
  return {
    name: dir.split(/[\\/]/).at(-1) ?? dir,
    dir,
    schemaPath,
    migrationsDir,
    hasMigrations: existsSync(migrationsDir),
    configPath: existsSync(configPath) ? configPath : undefined,
  };
}

/** Absolute output folders of the schema's `prisma-client` generators, where `prisma generate` writes. */
export async function generatorOutputs(schemaPath: string): Promise<string[]> {
  const schema = await readFile(schemaPath, 'utf8');
  return [...schema.matchAll(/^\s*generator\s+\w+\s*\{([^}]*)\}/gm)]
    .map((block) => /^\s*output\s*=\s*"([^"]+)"/m.exec(block[1] ?? '')?.[1])
    .filter((output): output is string => output !== undefined)
    .map((output) => resolve(dirname(schemaPath), output));
}
