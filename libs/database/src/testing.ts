import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '@shop/testing';
import { compareMigrationsWithSchema } from './schema-check/migrations-match-schema.ts';

/**
 * Registers the test every service has: its migrations, applied from nothing, produce exactly what its
 * schema.prisma describes (a hand edit of either shows as a named difference). `minimumObjects` guards
 * against a vacuous pass (an empty schema compared with empty migrations).
 */
export function testMigrationsMatchSchema(appDir: string, options: { minimumObjects: number }): void {
  test('when the migrations are applied, then they produce exactly the schema that schema.prisma describes', async () => {
    const result = await compareMigrationsWithSchema({
      appDir,
      createDatabase: (label) => createTestDatabase(label),
    });
    assert.equal(result.report, '');
    assert.deepEqual(result.differences, []);
    assert.ok(
      result.comparedObjects >= options.minimumObjects,
      `compared ${result.comparedObjects} objects, expected at least ${options.minimumObjects}`,
    );
  });
}
