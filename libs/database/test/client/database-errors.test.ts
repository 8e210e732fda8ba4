import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AppError, buildService, type Service } from '@shop/platform';
import { createTestDatabase, eventually, type TestDatabase } from '@shop/testing';
import pg from 'pg';
import { prismaPlugin, withDatabaseErrors } from '../../src/fastify.ts';
import { createPrismaClient, migrate, sqlStateOf } from '../../src/index.ts';
import { catalogMigrations, loadCatalogClient, type CatalogClientClass } from '../helpers/catalog-client.ts';
import { query } from '../helpers/database.ts';

const APPLICATION = 'database-errors-test';
let PrismaClient: CatalogClientClass;

before(async () => {
  PrismaClient = await loadCatalogClient();
});

/** A service whose routes reach the database every way a repository can: model, raw, transaction. */
async function serviceOn(databaseUrl: string, connectTimeoutMs = 200): Promise<Service> {
  const app = await buildService(
    { name: 'database-errors', logLevel: 'silent', prettyLogs: false, bodyLimitBytes: 4_096 },
    async (service) => {
      await service.register(prismaPlugin(PrismaClient, APPLICATION), {
        databaseUrl,
        poolSize: 1,
        connectTimeoutMs,
      });
      const prisma = (service as unknown as { prisma: InstanceType<CatalogClientClass> }).prisma;
      service.get<{ Querystring: { email: string } }>('/model', async (request) => ({
        found: (await prisma.customer.findMany({ where: { email: request.query.email } })).length,
      }));
      service.get<{ Querystring: { n: string } }>('/raw', async (request) =>
        prisma.$queryRawUnsafe('SELECT $1::int4 AS n', Number(request.query.n)),
      );
      service.get<{ Querystring: { n: string } }>('/transaction', async (request) =>
        prisma.$transaction((tx) => tx.$queryRawUnsafe('SELECT $1::int4 AS n', Number(request.query.n))),
      );
      service.post<{ Querystring: { email: string } }>('/lock', async (request) =>
        prisma.$transaction((tx) =>
          tx.$queryRawUnsafe('SELECT 1 FROM customers WHERE email = $1 FOR UPDATE', request.query.email),
        ),
      );
    },
    {},
  );
  await app.ready();
  return app;
}

function assertProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> },
  status: number,
  code: string,
) {
  assert.equal(response.statusCode, status, JSON.stringify(response.json()));
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(response.json().code, code);
}

describe('database errors, answered once for every query of a service', () => {
  let database: TestDatabase;
  let databaseUrl: string;
  let app: Service;
  before(async () => {
    database = await createTestDatabase('database-errors');
    databaseUrl = database.url;
    await migrate({ databaseUrl, migrationsDir: catalogMigrations });
    await query(databaseUrl, "INSERT INTO customers (email) VALUES ('held@example.com')");
    app = await serviceOn(databaseUrl);
  });
  after(async () => {
    await app.close();
    await database.drop();
  });

  test('when every pooled connection is busy, then model queries, raw queries and transactions answer 503 with Retry-After, and the waiting one completes', async () => {
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query("SELECT 1 FROM customers WHERE email = 'held@example.com' FOR UPDATE");
      // The service's only connection now waits on the blocker's row lock.
      const holder = app.inject({ method: 'POST', url: '/lock?email=held@example.com' });
      await eventually('the service waiting on the row lock', async () => {
        const rows = await query(
          databaseUrl,
          "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [APPLICATION],
        );
        return rows.length === 1;
      });

      for (const url of ['/model?email=a@example.com', '/raw?n=1', '/transaction?n=1']) {
        const shed = await app.inject({ method: 'GET', url });
        assertProblem(shed, 503, 'DATABASE_ERR_BUSY');
        assert.equal(shed.headers['retry-after'], '1', url);
      }
      await blocker.query('COMMIT');
      assert.equal((await holder).statusCode, 200);
    } finally {
      await blocker.end();
    }
  });

  test('when a value breaks a PostgreSQL data rule (SQLSTATE class 22), then the request is answered 400, never 500', async (t) => {
    // Its own service with a patient pool: on a loaded machine a 200 ms wait for the one connection can
    // lapse, and this test is about bad values, not overload.
    const patient = await serviceOn(databaseUrl, 10_000);
    t.after(() => patient.close());
    const outOfRange = await patient.inject({ method: 'GET', url: '/raw?n=7769406990' });
    assertProblem(outOfRange, 400, 'DATABASE_ERR_INVALID_VALUE');
    assert.equal(outOfRange.json().sqlState, '22003');
    assert.match(String(outOfRange.json().detail), /number is out of range/);

    const inTransaction = await patient.inject({ method: 'GET', url: '/transaction?n=7769406990' });
    assertProblem(inTransaction, 400, 'DATABASE_ERR_INVALID_VALUE');

    const nul = await patient.inject({ method: 'GET', url: '/model?email=a%00b' });
    assertProblem(nul, 400, 'DATABASE_ERR_INVALID_VALUE');
    assert.equal(nul.json().sqlState, '22021');

    assert.deepEqual((await patient.inject({ method: 'GET', url: '/raw?n=7' })).json(), [{ n: 7 }]);
  });
});

describe('when PostgreSQL accepts connections but never answers', () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => void sockets.add(socket));
  let app: Service;
  before(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    app = await serviceOn(`postgresql://nobody:secret@127.0.0.1:${port}/none`);
  });
  after(async () => {
    await app.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  test('then a query answers 503 with Retry-After once the connect timeout passes', async () => {
    const response = await app.inject({ method: 'GET', url: '/model?email=a@example.com' });
    assertProblem(response, 503, 'DATABASE_ERR_BUSY');
    assert.equal(response.headers['retry-after'], '1');
  });
});

describe('withDatabaseErrors with a translation of the caller', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('database-errors-translate');
  });
  after(() => database?.drop());

  test('when a query raises a SQLSTATE the caller knows, then its translation answers, once, for raw queries and interactive transactions alike, and other errors keep the defaults', async (t) => {
    const seen: unknown[] = [];
    const prisma = withDatabaseErrors(
      createPrismaClient(PrismaClient, { databaseUrl: database.url, poolSize: 1 }),
      {
        translate: (error) => {
          seen.push(error);
          return sqlStateOf(error) === 'SH001' ? new AppError('TEST_ERR_MOVED', 503, 'Moved; retry.') : error;
        },
      },
    );
    t.after(() => prisma.$disconnect());
    const raise = "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'SH001', MESSAGE = 'moved'; END $$";

    await assert.rejects(prisma.$executeRawUnsafe(raise), { code: 'TEST_ERR_MOVED', status: 503 });
    assert.equal(seen.length, 1);
    await assert.rejects(
      prisma.$transaction((tx) => tx.$executeRawUnsafe(raise)),
      { code: 'TEST_ERR_MOVED', status: 503 },
    );
    assert.equal(seen.length, 2, 'translated inside the transaction, not again when it rethrows');
    await assert.rejects(prisma.$queryRawUnsafe('SELECT $1::int4 AS n', 7769406990), {
      code: 'DATABASE_ERR_INVALID_VALUE',
    });
  });
});
