import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { prismaDiffSql } from '@shop/database';
import { testTableFixture } from '@shop/testing';
import {
  OUTBOX_COLUMNS,
  OUTBOX_TABLE,
  PROCESSED_EVENTS_COLUMNS,
  PROCESSED_EVENTS_TABLE,
} from '../src/index.ts';
import { EVENT_TABLES_SQL } from './support/event-tables.ts';

testTableFixture({
  what: 'the OutboxEvent and ProcessedEvent models',
  readme: new URL('../README.md', import.meta.url),
  schema: new URL('./fixtures/schema.prisma', import.meta.url),
  sql: EVENT_TABLES_SQL,
  models: /\/\/\/ Integration events[\s\S]*?model ProcessedEvent \{[\s\S]*?\n\}/,
  renderSql: (schemaPath, databaseUrl) => prismaDiffSql({ from: 'empty', schemaPath, databaseUrl }),
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
