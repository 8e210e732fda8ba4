import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import { createPrismaClient, createTransactions, migrate } from '../../src/index.ts';
import { catalogMigrations, loadCatalogClient, type CatalogClient } from '../helpers/catalog-client.ts';
import { query } from '../helpers/database.ts';

describe('createTransactions', () => {
  let database: TestDatabase;
  let prisma: CatalogClient;
  before(async () => {
    database = await createTestDatabase('unit-of-work');
    await migrate({ databaseUrl: database.url, migrationsDir: catalogMigrations });
    prisma = createPrismaClient(await loadCatalogClient(), { databaseUrl: database.url, poolSize: 2 });
  });
  after(async () => {
    await prisma.$disconnect();
    await database.drop();
  });

  const emails = async () =>
    (await query<{ email: string }>(database.url, 'SELECT email FROM customers ORDER BY email')).map(
      (row) => row.email,
    );

  function transactions(onEffectError: (error: unknown) => void = () => assert.fail('no effect fails')) {
    const published: string[] = [];
    const runner = createTransactions(prisma, {
      repositories: (tx) => ({
        customers: { add: (email: string) => tx.customer.create({ data: { email } }) },
      }),
      // The events stand-in writes into the same transaction, as the outbox does.
      publish: (tx) => async (email: string) => {
        await tx.$executeRawUnsafe("INSERT INTO customers (email) VALUES ($1 || '.event')", email);
        published.push(email);
      },
      onEffectError,
    });
    return { runner, published };
  }

  test('when the work commits, then its writes and its published events are stored and the after-commit effects run afterwards, in order', async () => {
    const { runner, published } = transactions();
    const seen: string[][] = [];
    const result = await runner.run(async (uow) => {
      await uow.customers.add('ada@example.com');
      await uow.publish('ada@example.com');
      uow.afterCommit(async () => void seen.push(['first', ...(await emails())]));
      uow.afterCommit(async () => void seen.push(['second']));
      assert.deepEqual(seen, [], 'no effect runs before the commit');
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(published, ['ada@example.com']);
    assert.deepEqual(seen, [['first', 'ada@example.com', 'ada@example.com.event'], ['second']]);
  });

  test('when the work throws, then nothing is stored and no after-commit effect runs', async () => {
    const { runner } = transactions();
    let ran = false;
    await assert.rejects(
      runner.run(async (uow) => {
        await uow.customers.add('bob@example.com');
        await uow.publish('bob@example.com');
        uow.afterCommit(async () => {
          ran = true;
        });
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(ran, false);
    assert.ok(!(await emails()).some((email) => email.startsWith('bob@')));
  });

  test('when an after-commit effect fails, then the commit stands, the failure is reported and later effects still run', async () => {
    const failures: unknown[] = [];
    const { runner } = transactions((error) => failures.push(error));
    let later = false;
    await runner.run(async (uow) => {
      await uow.customers.add('cy@example.com');
      uow.afterCommit(async () => {
        throw new Error('cache down');
      });
      uow.afterCommit(async () => {
        later = true;
      });
    });
    assert.ok((await emails()).includes('cy@example.com'));
    assert.equal((failures[0] as Error).message, 'cache down');
    assert.equal(later, true);
  });
});
