import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { prismaDiffSql } from '@shop/database';
import { testTableFixture } from '@shop/testing';
import { IDEMPOTENCY_KEYS_COLUMNS, IDEMPOTENCY_KEYS_TABLE, IDEMPOTENCY_LIMITS } from '../src/index.ts';
import { IDEMPOTENCY_KEYS_SQL } from './support/pg-store.ts';

testTableFixture({
  what: 'the IdempotencyKey model',
  readme: new URL('../README.md', import.meta.url),
  schema: new URL('./fixtures/schema.prisma', import.meta.url),
  sql: IDEMPOTENCY_KEYS_SQL,
  models: /\/\/\/ Idempotency-Key requests[\s\S]*?model IdempotencyKey \{[\s\S]*?\n\}/,
  renderSql: (schemaPath, databaseUrl) => prismaDiffSql({ from: 'empty', schemaPath, databaseUrl }),
});

test('when the plugin names columns and bounds values, then the model declares those columns and bounds', async () => {
  const sql = await readFile(IDEMPOTENCY_KEYS_SQL, 'utf8');
  const body =
    new RegExp(`CREATE TABLE "${IDEMPOTENCY_KEYS_TABLE}" \\(([\\s\\S]*?)\\n\\);`).exec(sql)?.[1] ?? '';
  const columns = Object.fromEntries([...body.matchAll(/^\s+"(\w+)" (\S+)/gm)].map((m) => [m[1]!, m[2]!]));
  assert.deepEqual(Object.keys(columns).sort(), Object.values(IDEMPOTENCY_KEYS_COLUMNS).sort());
  assert.equal(columns[IDEMPOTENCY_KEYS_COLUMNS.scope], `VARCHAR(${IDEMPOTENCY_LIMITS.scope})`);
  assert.equal(columns[IDEMPOTENCY_KEYS_COLUMNS.key], `VARCHAR(${IDEMPOTENCY_LIMITS.key})`);
  assert.equal(columns[IDEMPOTENCY_KEYS_COLUMNS.resourceId], `VARCHAR(${IDEMPOTENCY_LIMITS.resourceId}),`);
  assert.equal(
    columns[IDEMPOTENCY_KEYS_COLUMNS.responseBody],
    `VARCHAR(${IDEMPOTENCY_LIMITS.responseBody}),`,
  );
});
