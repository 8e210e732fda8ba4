import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const created: string[] = [];
after(() => Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A throwaway directory, removed when the test file ends. */
export async function tempDir(prefix = 'shop-database-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes `<name>/migration.sql` for each entry, in Prisma's folder layout. */
export async function writeMigrations(
  migrationsDir: string,
  migrations: Record<string, string>,
): Promise<void> {
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(join(migrationsDir, name), { recursive: true });
    await writeFile(join(migrationsDir, name, 'migration.sql'), sql);
  }
}

/** A temp migrations folder holding `migrations`. */
export async function migrationsFolder(migrations: Record<string, string>): Promise<string> {
  const dir = join(await tempDir(), 'migrations');
  await mkdir(dir);
  await writeMigrations(dir, migrations);
  return dir;
}
