import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { prismaDiffSql } from '@shop/database';
import { createTestDatabase } from '@shop/testing';
import {
  OUTBOX_COLUMNS,
  OUTBOX_TABLE,
  PROCESSED_EVENTS_COLUMNS,
  PROCESSED_EVENTS_TABLE,
} from '../src/index.ts';
import { EVENT_TABLES_SQL } from './support/event-tables.ts';

const FIXTURE_SCHEMA = new URL('./fixtures/schema.prisma', import.meta.url);
const README = new URL('../README.md', import.meta.url);

/** The two models, from the outbox model's doc comment to the end of the inbox model. */
function modelBlock(text: string): string {
  const match = /\/\/\/ Integration events[\s\S]*?model ProcessedEvent \{[\s\S]*?\n\}/.exec(text);
  assert.ok(match, 'the OutboxEvent and ProcessedEvent models are present');
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

test('when the README shows the models services declare, then they are exactly the models the tests use', async () => {
  assert.equal(
    modelBlock(await readFile(README, 'utf8')),
    modelBlock(await readFile(FIXTURE_SCHEMA, 'utf8')),
  );
});

test('when Prisma renders the models as SQL, then it matches the SQL the tests create tables from', async () => {
  const database = await createTestDatabase('events-tables');
  try {
    const rendered = await prismaDiffSql({
      from: 'empty',
      schemaPath: fileURLToPath(FIXTURE_SCHEMA),
      databaseUrl: database.url,
    });
    assert.deepEqual(statements(await readFile(EVENT_TABLES_SQL, 'utf8')), statements(rendered));
  } finally {
    await database.drop();
  }
});

test('when the library names tables and columns, then the models declare each of them', async () => {
  const sql = await readFile(EVENT_TABLES_SQL, 'utf8');
  const columnsOf = (table: string): string[] => {
    const body = new RegExp(`CREATE TABLE "${table}" \\(([\\s\\S]*?)\\n\\);`).exec(sql)?.[1] ?? '';
    return [...body.matchAll(/^\s+"(\w+)"/gm)].map((match) => match[1]!);
  };
  assert.deepEqual(columnsOf(OUTBOX_TABLE).sort(), Object.values(OUTBOX_COLUMNS).sort());
  assert.deepEqual(columnsOf(PROCESSED_EVENTS_TABLE).sort(), Object.values(PROCESSED_EVENTS_COLUMNS).sort());
});
