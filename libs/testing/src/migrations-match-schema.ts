import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

/** @shop/database's `compareMigrationsWithSchema`, passed in: the test kit sits below no library it tests. */
export type CompareMigrationsWithSchema = (options: {
  appDir: string;
  createDatabase(label: string): Promise<TestDatabase>;
}) => Promise<{ report: string; differences: readonly unknown[]; comparedObjects: number }>;

/**
 * Registers the test every service has: its migrations, applied from nothing, produce exactly what its
 * schema.prisma describes (a hand edit of either shows as a named difference). `minimumObjects` guards
 * against a vacuous pass (an empty schema compared with empty migrations).
 */
export function testMigrationsMatchSchema(options: {
  appDir: string;
  compare: CompareMigrationsWithSchema;
  minimumObjects: number;
}): void {
  test('when the migrations are applied, then they produce exactly the schema that schema.prisma describes', async () => {
    const result = await options.compare({
      appDir: options.appDir,
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
