import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from './postgres.ts';

export interface TableFixtureOptions {
  /** What the models are, for the test names, e.g. "the IdempotencyKey model". */
  what: string;
  /** The library's README, which shows the models for services to paste into their schema.prisma. */
  readme: URL;
  /** The fixture schema.prisma the library's tests are built on. */
  schema: URL;
  /** The SQL the tests create their tables from. */
  sql: URL;
  /** Matches the models' block, from the first doc comment to the last closing brace, in both files. */
  models: RegExp;
  /** @shop/database's `prismaDiffSql` from empty, passed in: the test kit sits below the libraries it tests. */
  renderSql(schemaPath: string, databaseUrl: string): Promise<string>;
}

/** The statements of a SQL script without comments, whitespace normalised, for comparison. */
function statements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

function modelBlock(text: string, models: RegExp, what: string): string {
  const match = models.exec(text);
  assert.ok(match, `${what} is present`);
  return match[0];
}

/**
 * For a library that ships tables services declare themselves (the outbox, the idempotency keys): two
 * tests that keep its README's models, its fixture schema.prisma and the SQL its tests run on equal.
 */
export function testTableFixture(options: TableFixtureOptions): void {
  const { what, models } = options;
  test(`when the README shows ${what}, then it is exactly what the tests use`, async () => {
    assert.equal(
      modelBlock(await readFile(options.readme, 'utf8'), models, what),
      modelBlock(await readFile(options.schema, 'utf8'), models, what),
    );
  });

  test(`when Prisma renders ${what} as SQL, then it matches the SQL the tests create tables from`, async () => {
    const database = await createTestDatabase('table-fixture');
    try {
      const rendered = await options.renderSql(fileURLToPath(options.schema), database.url);
      assert.deepEqual(statements(await readFile(options.sql, 'utf8')), statements(rendered));
    } finally {
      await database.drop();
    }
  });
}
