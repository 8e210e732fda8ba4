import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, buildService, PlatformErrors, type Service } from '@shop/platform';
import fp from 'fastify-plugin';
import pg from 'pg';
import { Type } from 'typebox';
import { idempotencyPlugin, type IdempotencyOptions, type IdempotencyStore } from '../../src/index.ts';
import { createSchema, pgStore } from './pg-store.ts';

/** What the test controls inside the handler, at the points where a real checkout can fail. */
export interface Behaviour {
  /** After phase 1, before the effect's transaction (where checkout calls the product service). */
  beforeEffect(resourceId: string): Promise<void>;
  /** The effect's transaction, complete with the key's "done", just before COMMIT (a failed commit, a crash). */
  beforeEffectCommit(): Promise<void>;
}

interface Control {
  behaviour: Behaviour;
  executions: string[];
}

export const defaultBehaviour: Behaviour = {
  beforeEffect: async () => {},
  beforeEffectCommit: async () => {},
};

const OrderBody = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: 1000 }),
    note: Type.Optional(Type.String({ maxLength: 50 })),
  },
  { additionalProperties: false },
);
const OrderView = Type.Object({ id: Type.String(), amount: Type.Integer(), note: Type.String() });

// Callers a and c share one store (shard), b has another: scope isolation is tested inside one table.
const SCHEMA_OF_CALLER: Record<string, string> = { alice: 'shard_a', carol: 'shard_a', bob: 'shard_b' };

const outOfStock = (amount: number) =>
  new AppError('TEST_ERR_OUT_OF_STOCK', 409, `Only 100 left; ${amount} asked. Order fewer.`);

/**
 * A service on the platform kit with one idempotent route, `POST /orders`, shaped like checkout: the caller
 * names the store (shard) and the scope, the resource id is chosen once, the effect is one row in `effects`
 * whose primary key is that id, written with the key's "done" in one transaction.
 */
export class TestService {
  readonly app: Service;
  readonly pool: pg.Pool;
  readonly stores: Record<string, IdempotencyStore>;
  readonly #control: Control;

  private constructor(
    app: Service,
    pool: pg.Pool,
    stores: Record<string, IdempotencyStore>,
    control: Control,
  ) {
    this.app = app;
    this.pool = pool;
    this.stores = stores;
    this.#control = control;
  }

  /** The resource id each execution of the handler saw, in order. */
  get executions(): string[] {
    return this.#control.executions;
  }

  get behaviour(): Behaviour {
    return this.#control.behaviour;
  }

  set behaviour(behaviour: Behaviour) {
    this.#control.behaviour = behaviour;
  }

  static async start(
    databaseUrl: string,
    options: Partial<Omit<IdempotencyOptions, 'store' | 'scope'>> = {},
  ): Promise<TestService> {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 30 });
    // pool.end() resolves before its connections have closed, so dropping the database right after can
    // terminate one still closing; any other error of an idle connection stays fatal.
    pool.on('error', (err) => {
      if (!pool.ending) throw err;
    });
    const suffix = randomUUID().slice(0, 8);
    const control: Control = { behaviour: { ...defaultBehaviour }, executions: [] };
    const effectTransactions = new WeakSet<object>();
    const stores: Record<string, IdempotencyStore> = {};
    for (const shard of new Set(Object.values(SCHEMA_OF_CALLER))) {
      const schema = `${shard}_${suffix}`;
      await createSchema(pool, schema);
      stores[shard] = pgStore(
        pool,
        schema,
        async (tx) => {
          if (effectTransactions.has(tx)) await control.behaviour.beforeEffectCommit();
        },
        // Both ways of claiming a new key are exercised: shard_a's store autocommits it, shard_b's does not.
        { autocommit: shard === 'shard_a' },
      );
    }
    const routes: FastifyPluginAsyncTypebox = async (app) => {
      app.post(
        '/orders',
        {
          onRequest: async (request) => {
            if (SCHEMA_OF_CALLER[String(request.headers['x-caller'])] === undefined) {
              throw PlatformErrors.unauthorized();
            }
          },
          config: { idempotency: { resourceId: () => randomUUID() } },
          schema: { body: OrderBody, response: { 201: OrderView } },
        },
        async (request, reply) => {
          const { resourceId } = request.idempotency;
          const { behaviour } = control;
          control.executions.push(resourceId);
          await behaviour.beforeEffect(resourceId);
          if (request.body.amount > 100) throw outOfStock(request.body.amount);
          return request.idempotency.complete(reply, async (tx) => {
            // Idempotent by the resource id, as checkout's order insert is.
            await tx.$executeRawUnsafe(
              `INSERT INTO ${pg.escapeIdentifier(storeOf(request.headers['x-caller']).schema!)}.effects (id, scope, amount) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
              resourceId,
              String(request.headers['x-caller']),
              request.body.amount,
            );
            effectTransactions.add(tx);
            return {
              statusCode: 201,
              headers: { location: `/orders/${resourceId}` },
              body: { id: resourceId, amount: request.body.amount, note: request.body.note ?? '' },
            };
          });
        },
      );
    };
    // An effect outside the database (say, an e-mail idempotent by its own id): answered without complete.
    const notes: FastifyPluginAsyncTypebox = async (app) => {
      app.post(
        '/notes/:id',
        {
          onRequest: async (request) => {
            if (SCHEMA_OF_CALLER[String(request.headers['x-caller'])] === undefined) {
              throw PlatformErrors.unauthorized();
            }
          },
          config: { idempotency: {} },
          schema: {
            params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
            body: Type.Object({ text: Type.String({ maxLength: 50 }) }),
            response: { 202: Type.Object({ id: Type.String(), text: Type.String(), at: Type.Number() }) },
          },
        },
        async (request, reply) => {
          control.executions.push(request.params.id);
          return reply
            .code(202)
            .header('location', `/notes/${request.params.id}`)
            .header('x-not-replayed', 'per request')
            .send({ id: request.params.id, text: request.body.text, at: control.executions.length });
        },
      );
    };
    const storeOf = (caller: string | string[] | undefined): IdempotencyStore =>
      stores[SCHEMA_OF_CALLER[String(caller)]!]!;

    const app = await buildService(
      { name: 'idempotency-test', logLevel: 'silent', prettyLogs: false, bodyLimitBytes: 16_384 },
      fp(async (instance) => {
        await instance.register(idempotencyPlugin, {
          store: (request) => storeOf(request.headers['x-caller']),
          scope: (request) => String(request.headers['x-caller']),
          stores: () => Object.values(stores),
          reapIntervalMs: 0,
          ...options,
        });
        await instance.register(routes);
        await instance.register(notes);
      }),
      {},
    );
    await app.ready();
    return new TestService(app, pool, stores, control);
  }

  /** `POST /orders` as `caller`, with the key header when one is given. */
  order(caller: string | undefined, key: string | undefined, body: unknown) {
    const headers: Record<string, string> = {};
    if (caller !== undefined) headers['x-caller'] = caller;
    if (key !== undefined) headers['idempotency-key'] = key;
    return this.app.inject({ method: 'POST', url: '/orders', headers, payload: body as object });
  }

  /** `POST /notes/:id` as alice. */
  note(id: string, key: string, text: string) {
    return this.app.inject({
      method: 'POST',
      url: `/notes/${id}`,
      headers: { 'x-caller': 'alice', 'idempotency-key': key },
      payload: { text },
    });
  }

  /** Rows of `shard`'s key table (a or b). */
  async keys(shard: 'shard_a' | 'shard_b'): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(
      `SELECT scope, key, resource_id, locked_until, response_status, response_body, created_at FROM ${this.table(shard, 'idempotency_keys')} ORDER BY created_at`,
    );
    return rows;
  }

  /** Rows of `shard`'s effects table. */
  async effects(shard: 'shard_a' | 'shard_b'): Promise<Array<{ id: string; scope: string; amount: number }>> {
    const { rows } = await this.pool.query(
      `SELECT id, scope, amount FROM ${this.table(shard, 'effects')} ORDER BY id`,
    );
    return rows;
  }

  table(shard: 'shard_a' | 'shard_b', table: string): string {
    return `${pg.escapeIdentifier(this.stores[shard]!.schema!)}.${pg.escapeIdentifier(table)}`;
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.pool.end();
  }
}

/** A promise the test resolves or rejects when it chooses. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
