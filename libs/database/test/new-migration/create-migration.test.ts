import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigration, migrate, MigrationsFolderError, SCHEMA_SNAPSHOT } from '../../src/index.ts';
import { createTestDatabase } from '@shop/testing';
import { freshDatabase, query } from '../helpers/database.ts';
import { tempDir } from '../helpers/temp-migrations.ts';

const catalogApp = join(import.meta.dirname, '..', 'fixtures', 'catalog-app');

async function copyOfCatalogApp(): Promise<string> {
  const appDir = join(await tempDir(), 'catalog-app');
  await cp(join(catalogApp, 'prisma'), join(appDir, 'prisma'), { recursive: true });
  return appDir;
}

async function editSchema(appDir: string, edit: (schema: string) => string): Promise<void> {
  const path = join(appDir, 'prisma', 'schema.prisma');
  await writeFile(path, edit(await readFile(path, 'utf8')));
}

async function migrationNames(appDir: string): Promise<string[]> {
  const entries = await readdir(join(appDir, 'prisma', 'migrations'), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe('createMigration', () => {
  test('when an app has no migrations yet, then the first one creates the whole schema, with lock file and snapshot', async () => {
    const appDir = join(await tempDir(), 'new-app');
    await mkdir(join(appDir, 'prisma'), { recursive: true });
    await cp(join(catalogApp, 'prisma', 'schema.prisma'), join(appDir, 'prisma', 'schema.prisma'));

    const result = await createMigration({
      appDir,
      name: 'init',
      createDatabase: createTestDatabase,
      now: new Date('2025-03-01T12:00:00Z'),
    });

    assert.equal(result.status, 'created');
    assert.equal(basename(result.directory), '20250301120000_init');
    assert.match(result.sql, /CREATE TABLE "customers"/);
    assert.match(result.sql, /CREATE TYPE "OrderStatus"/);
    assert.equal(await readFile(join(result.directory, 'migration.sql'), 'utf8'), result.sql);
    assert.equal(
      await readFile(join(result.directory, SCHEMA_SNAPSHOT), 'utf8'),
      await readFile(join(appDir, 'prisma', 'schema.prisma'), 'utf8'),
    );
    assert.match(
      await readFile(join(appDir, 'prisma', 'migrations', 'migration_lock.toml'), 'utf8'),
      /provider = "postgresql"/,
    );
  });

  test('when schema.prisma changed since the last migration, then only the change is written, and a second run finds nothing to do', async (t) => {
    const appDir = await copyOfCatalogApp();
    await editSchema(appDir, (schema) =>
      schema.replace(
        '  notes      String?     @db.VarChar(500)\n',
        '  notes      String?     @db.VarChar(500)\n  shippedAt  DateTime?   @map("shipped_at") @db.Timestamptz(3)\n',
      ),
    );

    const result = await createMigration({
      appDir,
      name: 'Add shipped at!',
      createDatabase: createTestDatabase,
    });

    assert.equal(result.status, 'created');
    assert.match(basename(result.directory), /^\d{14}_add_shipped_at$/);
    assert.match(result.sql, /ALTER TABLE "orders" ADD COLUMN\s+"shipped_at" TIMESTAMPTZ\(3\)/);
    assert.doesNotMatch(result.sql, /CREATE TABLE/);
    assert.deepEqual(await migrationNames(appDir), [
      '20250101000000_init',
      '20250102000000_add_order_notes',
      basename(result.directory),
    ]);
    const databaseUrl = await freshDatabase(t, 'new-migration-applies');
    await migrate({ databaseUrl, migrationsDir: join(appDir, 'prisma', 'migrations') });
    const shippedAt = await query(
      databaseUrl,
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'shipped_at'",
    );
    assert.equal(shippedAt.length, 1);

    const again = await createMigration({ appDir, name: 'nothing', createDatabase: createTestDatabase });

    assert.deepEqual(again, { status: 'unchanged' });
    assert.equal((await migrationNames(appDir)).length, 3);
  });

  test('when the existing migrations no longer produce their snapshot, then nothing is written and the difference is named', async () => {
    const appDir = await copyOfCatalogApp();
    const init = join(appDir, 'prisma', 'migrations', '20250101000000_init', 'migration.sql');
    await writeFile(
      init,
      (await readFile(init, 'utf8')).replace(/CREATE UNIQUE INDEX "customers_email_key".*\n/, ''),
    );
    await editSchema(appDir, (schema) =>
      schema.replace('  sku      String\n', '  sku      String @db.VarChar(64)\n'),
    );

    await assert.rejects(
      createMigration({ appDir, name: 'sku_length', createDatabase: createTestDatabase }),
      (error: unknown) => {
        assert.ok(error instanceof MigrationsFolderError);
        assert.match(error.message, /index customers\.customers_email_key only in snapshot/);
        return true;
      },
    );
    assert.equal((await migrationNames(appDir)).length, 2);
  });

  test('when the name has no letters or digits, then createMigration refuses before doing any work', async () => {
    await assert.rejects(
      createMigration({ appDir: catalogApp, name: ' !! ', createDatabase: createTestDatabase }),
      MigrationsFolderError,
    );
  });
});
