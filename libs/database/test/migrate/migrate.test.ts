import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import {
  InvalidSchemaNameError,
  migrate,
  MigrationChecksumMismatchError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  MigrationsFolderError,
  UnfinishedMigrationError,
} from '../../src/index.ts';
import { freshDatabase, query } from '../helpers/database.ts';
import { migrationsFolder, writeMigrations } from '../helpers/temp-migrations.ts';

const ACCOUNTS = {
  '20250101000000_create_accounts':
    'CREATE TABLE "accounts" ("id" INTEGER PRIMARY KEY, "email" TEXT NOT NULL);\n',
  '20250102000000_unique_email': 'CREATE UNIQUE INDEX "accounts_email_key" ON "accounts"("email");\n',
  '20250103000000_add_name': 'ALTER TABLE "accounts" ADD COLUMN "name" TEXT;\n',
};
const NAMES = Object.keys(ACCOUNTS);

interface HistoryRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

function history(databaseUrl: string, schema = 'public'): Promise<HistoryRow[]> {
  return query<HistoryRow>(
    databaseUrl,
    `SELECT id, migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs
       FROM ${pg.escapeIdentifier(schema)}."_prisma_migrations" ORDER BY started_at, migration_name`,
  );
}

async function tablesIn(databaseUrl: string, schema: string): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    databaseUrl,
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema],
  );
  return rows.map((row) => row.table_name);
}

describe('migrate', () => {
  test('when a fresh database is migrated, then every migration is applied in order and recorded as Prisma Migrate records it', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-fresh');
    const migrationsDir = await migrationsFolder(ACCOUNTS);

    const result = await migrate({ databaseUrl, migrationsDir });

    assert.deepEqual(
      result.applied.map((migration) => migration.name),
      NAMES,
    );
    assert.deepEqual(result.alreadyApplied, []);
    assert.equal(result.schema, 'public');
    const rows = await history(databaseUrl);
    assert.deepEqual(
      rows.map((row) => row.migration_name),
      NAMES,
    );
    for (const row of rows) {
      const sql = ACCOUNTS[row.migration_name as keyof typeof ACCOUNTS];
      assert.equal(row.checksum, createHash('sha256').update(sql).digest('hex'));
      assert.ok(row.finished_at instanceof Date);
      assert.equal(row.rolled_back_at, null);
      assert.equal(row.applied_steps_count, 1);
      assert.match(row.id, /^[0-9a-f-]{36}$/);
    }
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      databaseUrl,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    assert.deepEqual(
      columns.map((column) => `${column.column_name} ${column.data_type} ${column.is_nullable}`),
      [
        'id character varying NO',
        'checksum character varying NO',
        'finished_at timestamp with time zone YES',
        'migration_name character varying NO',
        'logs text YES',
        'rolled_back_at timestamp with time zone YES',
        'started_at timestamp with time zone NO',
        'applied_steps_count integer NO',
      ],
    );
    const accountColumns = await query<{ column_name: string }>(
      databaseUrl,
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY ordinal_position",
    );
    assert.deepEqual(
      accountColumns.map((column) => column.column_name),
      ['id', 'email', 'name'],
    );
  });

  test('when migrate runs again, then it applies nothing; when a migration is added, then only that one is applied', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-idempotent');
    const migrationsDir = await migrationsFolder(ACCOUNTS);
    await migrate({ databaseUrl, migrationsDir });

    const again = await migrate({ databaseUrl, migrationsDir });

    assert.deepEqual(again.applied, []);
    assert.deepEqual(again.alreadyApplied, NAMES);
    assert.equal((await history(databaseUrl)).length, 3);

    await writeMigrations(migrationsDir, {
      '20250104000000_add_phone': 'ALTER TABLE "accounts" ADD COLUMN "phone" TEXT;',
    });
    const next = await migrate({ databaseUrl, migrationsDir });

    assert.deepEqual(
      next.applied.map((migration) => migration.name),
      ['20250104000000_add_phone'],
    );
    assert.equal((await history(databaseUrl)).length, 4);
  });

  test('when eight runners migrate the same database at once, then each migration is applied exactly once', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-concurrent');
    // The sleep keeps the first runner inside its migrations while the others arrive; the DDL is not
    // idempotent, so a second application would fail the run.
    const migrationsDir = await migrationsFolder({
      ...ACCOUNTS,
      '20250101000000_create_accounts': `SELECT pg_sleep(0.3);\n${ACCOUNTS['20250101000000_create_accounts']}`,
    });

    const results = await Promise.all(
      Array.from({ length: 8 }, () => migrate({ databaseUrl, migrationsDir })),
    );

    const appliedNames = results.flatMap((result) => result.applied.map((migration) => migration.name));
    assert.deepEqual([...appliedNames].sort(), NAMES);
    assert.equal(results.filter((result) => result.applied.length > 0).length, 1);
    assert.deepEqual(
      (await history(databaseUrl)).map((row) => row.migration_name),
      NAMES,
    );
  });

  test('when two schemas of one database are migrated, then each gets its own tables and history', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-schemas');
    const migrationsDir = await migrationsFolder(ACCOUNTS);

    const first = await migrate({ databaseUrl, migrationsDir, schema: 'shard_00' });
    const second = await migrate({ databaseUrl, migrationsDir, schema: 'shard_01' });
    await query(databaseUrl, `INSERT INTO shard_00.accounts (id, email) VALUES (1, 'a@example.com')`);

    assert.equal(first.schema, 'shard_00');
    assert.equal(second.applied.length, 3);
    assert.deepEqual(await tablesIn(databaseUrl, 'shard_00'), ['_prisma_migrations', 'accounts']);
    assert.deepEqual(await tablesIn(databaseUrl, 'shard_01'), ['_prisma_migrations', 'accounts']);
    assert.deepEqual(await tablesIn(databaseUrl, 'public'), []);
    assert.equal((await history(databaseUrl, 'shard_01')).length, 3);
    const [shard01] = await query<{ count: string }>(databaseUrl, 'SELECT count(*) FROM shard_01.accounts');
    assert.equal(shard01?.count, '0');
    assert.deepEqual((await migrate({ databaseUrl, migrationsDir, schema: 'shard_00' })).applied, []);
  });

  test('when the URL names a schema with ?schema=, then that schema is migrated', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-url-schema');
    const migrationsDir = await migrationsFolder(ACCOUNTS);
    const url = new URL(databaseUrl);
    url.searchParams.set('schema', 'tenant_a');

    const result = await migrate({ databaseUrl: url.toString(), migrationsDir });

    assert.equal(result.schema, 'tenant_a');
    assert.deepEqual(await tablesIn(databaseUrl, 'tenant_a'), ['_prisma_migrations', 'accounts']);
  });

  test('when an applied migration was edited, then migrate refuses and applies nothing', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-checksum');
    const migrationsDir = await migrationsFolder(ACCOUNTS);
    await migrate({ databaseUrl, migrationsDir });
    await writeFile(
      join(migrationsDir, '20250102000000_unique_email', 'migration.sql'),
      'CREATE INDEX "accounts_email_idx" ON "accounts"("email");\n',
    );
    await writeMigrations(migrationsDir, {
      '20250104000000_add_phone': 'ALTER TABLE "accounts" ADD COLUMN "phone" TEXT;',
    });

    await assert.rejects(migrate({ databaseUrl, migrationsDir }), (error: unknown) => {
      assert.ok(error instanceof MigrationChecksumMismatchError);
      assert.equal(error.code, 'DATABASE_ERR_CHECKSUM_MISMATCH');
      assert.deepEqual(error.migrations, ['20250102000000_unique_email']);
      assert.match(error.message, /new migration/);
      return true;
    });
    assert.equal((await history(databaseUrl)).length, 3);
    const phone = await query(
      databaseUrl,
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'phone'",
    );
    assert.equal(phone.length, 0);
  });

  test('when only the line endings of an applied migration changed, then it still counts as applied', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-crlf');
    const migrationsDir = await migrationsFolder(ACCOUNTS);
    await migrate({ databaseUrl, migrationsDir });
    const file = join(migrationsDir, '20250101000000_create_accounts', 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));

    const result = await migrate({ databaseUrl, migrationsDir });

    assert.deepEqual(result.applied, []);
  });

  test('when a migration fails, then its transaction is rolled back, the error names the migration and line, and the fixed migration applies later', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-failure');
    const failing = '20250102000000_broken';
    const migrationsDir = await migrationsFolder({
      '20250101000000_create_accounts': ACCOUNTS['20250101000000_create_accounts'],
      [failing]: 'CREATE TABLE "audit" ("id" INTEGER);\n\nSELECT "no_such_column" FROM "accounts";\n',
      '20250103000000_after': 'CREATE TABLE "later" ("id" INTEGER);\n',
    });

    await assert.rejects(migrate({ databaseUrl, migrationsDir }), (error: unknown) => {
      assert.ok(error instanceof MigrationFailedError);
      assert.equal(error.migration, failing);
      assert.equal(error.line, 3);
      assert.match(error.message, /no_such_column/);
      assert.match(error.message, /rolled back/);
      return true;
    });
    assert.deepEqual(await tablesIn(databaseUrl, 'public'), ['_prisma_migrations', 'accounts']);
    const rows = await history(databaseUrl);
    assert.deepEqual(
      rows.map((row) => [row.migration_name, row.finished_at !== null, row.rolled_back_at !== null]),
      [
        ['20250101000000_create_accounts', true, false],
        [failing, false, true],
      ],
    );
    assert.match(rows[1]?.logs ?? '', /no_such_column/);

    await writeFile(join(migrationsDir, failing, 'migration.sql'), 'CREATE TABLE "audit" ("id" INTEGER);\n');
    const retry = await migrate({ databaseUrl, migrationsDir });

    assert.deepEqual(
      retry.applied.map((migration) => migration.name),
      [failing, '20250103000000_after'],
    );
    assert.deepEqual(await tablesIn(databaseUrl, 'public'), [
      '_prisma_migrations',
      'accounts',
      'audit',
      'later',
    ]);
  });

  test('when Prisma Migrate left a migration unfinished, then migrate refuses until it is resolved', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-unfinished');
    const migrationsDir = await migrationsFolder(ACCOUNTS);
    await migrate({ databaseUrl, migrationsDir: await migrationsFolder({}) });
    await query(
      databaseUrl,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, 'x', $2)`,
      ['00000000-0000-4000-8000-000000000000', '20250101000000_create_accounts'],
    );

    await assert.rejects(migrate({ databaseUrl, migrationsDir }), (error: unknown) => {
      assert.ok(error instanceof UnfinishedMigrationError);
      assert.deepEqual(error.migrations, ['20250101000000_create_accounts']);
      assert.match(error.message, /migrate resolve/);
      return true;
    });
    assert.deepEqual(await tablesIn(databaseUrl, 'public'), ['_prisma_migrations']);
  });

  test('when another session holds the migration lock past the timeout, then migrate gives up with a clear error', async (t) => {
    const databaseUrl = await freshDatabase(t, 'migrate-lock');
    const migrationsDir = await migrationsFolder(ACCOUNTS);
    const holder = new pg.Client({ connectionString: databaseUrl });
    // Dropping the database after the test terminates this session; that is expected.
    holder.on('error', () => undefined);
    await holder.connect();
    t.after(() => holder.end());
    await holder.query('SELECT pg_advisory_lock(72707369)');
    const messages: string[] = [];
    const logger = { info: (message: string) => messages.push(message), warn: () => undefined };

    await assert.rejects(
      migrate({ databaseUrl, migrationsDir, lockTimeoutMs: 500, logger }),
      MigrationLockTimeoutError,
    );
    assert.ok(messages.some((message) => message.includes('waiting for another process')));
    assert.deepEqual(await tablesIn(databaseUrl, 'public'), []);

    await holder.query('SELECT pg_advisory_unlock(72707369)');
    assert.equal((await migrate({ databaseUrl, migrationsDir, lockTimeoutMs: 500 })).applied.length, 3);
  });

  test('when the schema name is not a plain identifier, then migrate refuses before connecting', async () => {
    const migrationsDir = await migrationsFolder(ACCOUNTS);

    await assert.rejects(
      migrate({
        databaseUrl: 'postgres://127.0.0.1:1/none',
        migrationsDir,
        schema: 'shard_01"; DROP TABLE x; --',
      }),
      InvalidSchemaNameError,
    );
  });

  test('when the migrations folder is for another database provider, then migrate refuses', async () => {
    const migrationsDir = await migrationsFolder(ACCOUNTS);
    await writeFile(join(migrationsDir, 'migration_lock.toml'), 'provider = "mysql"\n');

    await assert.rejects(
      migrate({ databaseUrl: 'postgres://127.0.0.1:1/none', migrationsDir }),
      MigrationsFolderError,
    );
  });
});
