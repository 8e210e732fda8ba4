import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { idempotencyPlugin, type IdempotencyStore, type SqlTransaction } from '@shop/idempotency';
import { buildService, runService } from '@shop/platform';
import { inPgTransaction, pgStatements } from '@shop/testing';
import fp from 'fastify-plugin';
import pg from 'pg';
import { Type } from 'typebox';
import { announceListening } from '../serve-in-child.ts';

// One trivial effect (a row insert in one transaction) behind POST /effects, with or without the
// Idempotency-Key layer in front of it (BENCH_IDEMPOTENT=1): the ratio of the two is what the layer costs.

const idempotent = process.env['BENCH_IDEMPOTENT'] === '1';
const schema = process.env['BENCH_SCHEMA'];
const databaseUrl = process.env['BENCH_DATABASE_URL'];
if (!schema || !databaseUrl) {
  throw new Error(
    'Set BENCH_DATABASE_URL and BENCH_SCHEMA: this server is started by bench/idempotency.bench.ts.',
  );
}
const table = `${pg.escapeIdentifier(schema)}.effects`;

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
// As a Prisma store would be: transactions, and the client itself for single statements.
const store: IdempotencyStore = {
  transaction: (work) => inPgTransaction(pool, work),
  schema,
  autocommit: pgStatements(pool),
};

const EffectBody = Type.Object(
  { amount: Type.Integer({ minimum: 1, maximum: 1000 }) },
  { additionalProperties: false },
);
const EffectView = Type.Object({ id: Type.String(), amount: Type.Integer() });

async function insertEffect(tx: SqlTransaction, id: string, amount: number): Promise<void> {
  await tx.$executeRawUnsafe(`INSERT INTO ${table} (id, amount) VALUES ($1, $2)`, id, amount);
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  if (idempotent) {
    await app.register(idempotencyPlugin, { store, scope: () => 'bench', reapIntervalMs: 0 });
  }
  app.post(
    '/effects',
    {
      config: idempotent ? { idempotency: { resourceId: () => randomUUID() } } : {},
      schema: { body: EffectBody, response: { 201: EffectView } },
    },
    async (request, reply) => {
      const { amount } = request.body;
      if (!idempotent) {
        const id = randomUUID();
        await inPgTransaction(pool, (tx) => insertEffect(tx, id, amount));
        return reply.code(201).header('location', `/effects/${id}`).send({ id, amount });
      }
      const id = request.idempotency.resourceId;
      return request.idempotency.complete(reply, async (tx) => {
        await insertEffect(tx, id, amount);
        return { statusCode: 201, headers: { location: `/effects/${id}` }, body: { id, amount } };
      });
    },
  );
};

const app = await buildService(
  { name: 'bench-idempotency', logLevel: 'warn', prettyLogs: false, bodyLimitBytes: 16_384 },
  fp(routes),
  {},
);
await runService(app, {
  host: '127.0.0.1',
  port: 0,
  opsPort: 0,
  drainDelayMs: 0,
  shutdownTimeoutMs: 5_000,
  afterClose: () => pool.end(),
});
announceListening(app.server, app.opsServer);
