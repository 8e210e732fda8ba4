import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { prismaDiffSql } from '@shop/database';
import { createTestDatabase } from '@shop/testing';
import { IDEMPOTENCY_KEYS_COLUMNS, IDEMPOTENCY_KEYS_TABLE, IDEMPOTENCY_LIMITS } from '../src/index.ts';
import { IDEMPOTENCY_KEYS_SQL } from './support/pg-store.ts';

const FIXTURE_SCHEMA = new URL('./fixtures/schema.prisma', import.meta.url);
const README = new URL('../README.md', import.meta.url);

/** The model, from its doc comment to its closing brace. */
function modelBlock(text: string): string {
  const match = /\/\/\/ Idempotency-Key requests[\s\S]*?model IdempotencyKey \{[\s\S]*?\n\}/.exec(text);
  assert.ok(match, 'the IdempotencyKey model is present');
  return match[0];
}

function statements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

test('when the README shows the model services declare, then it is exactly the model the tests use', async () => {
  assert.equal(
    modelBlock(await readFile(README, 'utf8')),
    modelBlock(await readFile(FIXTURE_SCHEMA, 'utf8')),
  );
});

test('when Prisma renders the model as SQL, then it matches the SQL the tests create the table from', async () => {
  const database = await createTestDatabase('idempotency-table');
  try {
    const rendered = await prismaDiffSql({
      from: 'empty',
      schemaPath: fileURLToPath(FIXTURE_SCHEMA),
      databaseUrl: database.url,
    });
    assert.deepEqual(statements(await readFile(IDEMPOTENCY_KEYS_SQL, 'utf8')), statements(rendered));
  } finally {
    await database.drop();
  }
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
