import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareMigrationsWithSchema } from '@shop/database';
import { createTestDatabase } from '@shop/testing';
import { appDir } from '../helper.ts';

test('when the migrations are applied, then they produce exactly the schema that schema.prisma describes', async () => {
  const result = await compareMigrationsWithSchema({
    appDir,
    createDatabase: (label) => createTestDatabase(label),
  });
  assert.equal(result.report, '');
  assert.deepEqual(result.differences, []);
  assert.ok(result.comparedObjects > 10, `compared ${result.comparedObjects} objects`);
});
