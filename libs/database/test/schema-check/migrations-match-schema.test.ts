import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  assertMigrationsMatchSchema,
  compareMigrationsWithSchema,
  MigrationsDriftError,
} from '../../src/index.ts';
import { createTestDatabase } from '@shop/testing';
import '../helpers/database.ts';
import { tempDir } from '../helpers/temp-migrations.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const catalogApp = join(fixtures, 'catalog-app');
const catalogMigrations = join(catalogApp, 'prisma', 'migrations');

describe('assertMigrationsMatchSchema', () => {
  test('when the migrations produce what schema.prisma describes, then the check passes over every object', async () => {
    const result = await assertMigrationsMatchSchema({
      appDir: catalogApp,
      createDatabase: createTestDatabase,
    });

    // 3 tables, 14 columns, 1 enum, 1 sequence, 5 constraints, 6 indexes: the check was not vacuous.
    assert.equal(result.comparedObjects, 30);
  });

  test('when schema.prisma drifted from the migrations, then every difference is reported readably', async () => {
    const options = {
      appDir: join(fixtures, 'drift-app'),
      migrationsDir: catalogMigrations,
      createDatabase: createTestDatabase,
    };

    const result = await compareMigrationsWithSchema(options);

    assert.deepEqual(result.differences, [
      {
        object: 'column orders.notes',
        left: 'character varying(500) NULL',
        right: 'text NULL',
      },
      {
        object: 'enum OrderStatus',
        left: "('pending', 'paid', 'cancelled')",
        right: "('pending', 'paid', 'cancelled', 'refunded')",
      },
      {
        object: 'index orders.orders_status_idx',
        left: 'CREATE INDEX orders_status_idx ON orders USING btree (status)',
        right: undefined,
      },
    ]);
    await assert.rejects(assertMigrationsMatchSchema(options), (error: unknown) => {
      assert.ok(error instanceof MigrationsDriftError);
      assert.equal(error.code, 'DATABASE_ERR_MIGRATIONS_DRIFT');
      assert.match(error.message, /3 difference/);
      assert.match(error.message, /- index orders\.orders_status_idx only in migrations/);
      assert.match(error.message, /npm run db:migration -- drift-app <name>/);
      return true;
    });
  });

  test('when a generated migration was edited by hand, then the changed foreign key, nullability and default are reported', async () => {
    const appDir = join(await tempDir(), 'edited-app');
    await cp(catalogApp, appDir, { recursive: true });
    const init = join(appDir, 'prisma', 'migrations', '20250101000000_init', 'migration.sql');
    const edited = (await readFile(init, 'utf8'))
      .replace('"email" VARCHAR(320) NOT NULL', '"email" VARCHAR(320)')
      .replace(`"metadata" JSONB NOT NULL DEFAULT '{}'`, `"metadata" JSONB NOT NULL DEFAULT '[]'`)
      .replace('ON DELETE RESTRICT ON UPDATE CASCADE', 'ON DELETE CASCADE ON UPDATE CASCADE');
    await writeFile(init, edited);

    const result = await compareMigrationsWithSchema({ appDir, createDatabase: createTestDatabase });

    assert.deepEqual(
      result.differences.map((difference) => difference.object),
      ['column customers.email', 'column orders.metadata', 'constraint orders.orders_customer_id_fkey'],
    );
    assert.match(result.report, /ON DELETE CASCADE/);
  });

  test('when a migration adds a CHECK constraint schema.prisma cannot express, then that is not drift', async () => {
    const migration = await readFile(
      join(catalogMigrations, '20250102000000_add_order_notes', 'migration.sql'),
      'utf8',
    );
    assert.match(migration, /CHECK \("quantity" > 0\)/);

    const result = await compareMigrationsWithSchema({
      appDir: catalogApp,
      createDatabase: createTestDatabase,
    });

    assert.deepEqual(result.differences, []);
  });
});
