import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generatorOutputs, listPrismaApps, prismaGenerate, type PrismaApp } from '@shop/database';

// npm run prisma:generate [-- --force] [app ...]: generates each app's Prisma client from
// apps/<app>/prisma/schema.prisma, offline, skipping apps whose client is newer than their schema and
// prisma.config.ts, so it is cheap enough to run before every test run and start.

const ROOT = join(import.meta.dirname, '..');
const GENERATED_ENTRY = 'client.ts';

function log(message: string): void {
  process.stderr.write(`[prisma-generate] ${message}\n`);
}

async function modifiedAt(path: string): Promise<number | undefined> {
  return stat(path).then(
    (stats) => stats.mtimeMs,
    () => undefined,
  );
}

/** Why the app's client must be (re)generated, or undefined when it is up to date. */
async function staleReason(app: PrismaApp): Promise<string | undefined> {
  const outputs = await generatorOutputs(app.schemaPath);
  if (outputs.length === 0) return 'its schema names no generator output';
  const inputs = [
    app.schemaPath,
    app.configPath,
    join(ROOT, 'node_modules', '@prisma', 'client', 'package.json'),
  ];
  const newestInput = Math.max(
    ...(await Promise.all(inputs.map((path) => (path ? modifiedAt(path) : undefined)))).map(
      (time) => time ?? 0,
    ),
  );
  for (const output of outputs) {
    const generated = await modifiedAt(join(output, GENERATED_ENTRY));
    if (generated === undefined) return 'no client generated yet';
    if (generated < newestInput)
      return 'schema, prisma.config.ts or Prisma changed since the last generation';
  }
  return undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const requested = args.filter((arg) => !arg.startsWith('--'));
  const apps = await listPrismaApps(join(ROOT, 'apps'));
  const unknown = requested.filter((name) => !apps.some((app) => app.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `No apps/<app>/prisma/schema.prisma for ${unknown.join(', ')}; choose from ${apps.map((app) => app.name).join(', ') || '(none)'}.`,
    );
  }
  const selected = requested.length === 0 ? apps : apps.filter((app) => requested.includes(app.name));
  if (selected.length === 0) return log('no app has a prisma/schema.prisma; nothing to generate.');

  for (const app of selected) {
    const reason = force ? 'forced' : await staleReason(app);
    if (reason === undefined) {
      log(`${app.name}: client up to date, skipped`);
      continue;
    }
    const started = Date.now();
    log(`${app.name}: generating the Prisma client (${reason}) ...`);
    await prismaGenerate({ schemaPath: app.schemaPath, configPath: app.configPath });
    log(`${app.name}: generated in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
