import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Service } from '@shop/platform';
import {
  cleanupShard,
  logicalShardOf,
  moveShard,
  nextShardMap,
  publishShardMap,
  readShardMap,
  SHARD_MAP_TABLE,
  SHARD_READ_ONLY_SQLSTATE,
  type ShardMoveOptions,
  type ShardState,
} from '@shop/sharding';
import { eventually } from '@shop/testing';
import pg from 'pg';
import supertest from 'supertest';
import { appDir, schemaOf, SHARD_COUNT, startOrderSystem, type OrderSystem } from './support/order-system.ts';

// A logical shard moves from server a to server b under two live order replicas taking checkouts over
// HTTP, with the library's moveShard (the CLI has its own test in libs/sharding). Clients behave as the
// API asks: a 503 (or a 409 for a key still in flight) is retried after its Retry-After, with the same key;
// a 409 that says to place a new order (the checkout released its stock hold when the freeze refused its
// transaction, so the retry's hold is refused) is placed again with a new key.

const MOVED = 3;
const NEIGHBOUR = 5; // on server a beside the moved shard: its writes must never be refused
const WRITERS_PER_SHARD = 3;
const MAX_ORDERS_PER_WRITER = 400;
const WRITER_DEADLINE_MS = 180_000;
/** Orders each writer still places after the flip, so writes by the new map are covered too. */
const ORDERS_AFTER_MOVE = 5;

const address = {
  name: 'Grace Hopper',
  line1: '1 Navy Yard',
  city: 'Arlington',
  postalCode: '22202',
  country: 'US',
};

interface Customer {
  id: string;
  headers: Record<string, string>;
}

interface Acknowledged {
  orderId: string;
  key: string;
  customerId: string;
  /** Answers that asked to retry (503 with Retry-After, or 409 while the key was in flight) before the 201. */
  retries: number;
}

interface Writer {
  shard: number;
  acknowledged: Acknowledged[];
  /** Every non-201 answer, as `status code`, e.g. `503 SHARD_ERR_FROZEN`. */
  refusals: string[];
  failures: string[];
  /** Lets the writer place a few more orders, then ends its loop. */
  finish(): Promise<void>;
}

describe('moving a shard under the live order service', () => {
  let system: OrderSystem;
  let replicas: { name: string; service: Service; http: ReturnType<typeof supertest> }[];
  let directory: pg.Pool;
  let productId: string;
  const expected = { shardCount: SHARD_COUNT, servers: ['a', 'b'] };

  before(async () => {
    system = await startOrderSystem();
    const second = await system.startReplica();
    replicas = [
      { name: 'replica 1', service: system.order, http: system.http },
      { name: 'replica 2', service: second, http: supertest(second.server) },
    ];
    directory = new pg.Pool({ connectionString: system.shards.urls.a, max: 2 });
    directory.on('error', () => undefined);
    productId = (await system.product.createProduct({ stock: 50_000 })).id;
  });
  after(async () => {
    await directory?.end();
    await system?.close();
  });

  async function customerOf(shard: number): Promise<Customer> {
    for (;;) {
      const id = randomUUID();
      if (logicalShardOf(id, SHARD_COUNT) === shard) {
        return { id, headers: await system.auth.bearer(['customer'], { subject: id }) };
      }
    }
  }

  function checkout(http: ReturnType<typeof supertest>, who: Customer, key: string) {
    return http
      .post('/api/v1/orders')
      .set(who.headers)
      .set('idempotency-key', key)
      .send({ shippingAddress: address, items: [{ productId, quantity: 1 }] });
  }

  /** One checkout as a well-behaved client places it: the same key until a 201, waiting out Retry-After. */
  async function placeOrder(
    http: ReturnType<typeof supertest>,
    who: Customer,
    deadline: number,
    refusals: string[],
  ): Promise<Acknowledged> {
    let key = randomUUID();
    for (let retries = 0; ; retries += 1) {
      const res = await checkout(http, who, key);
      if (res.status === 201) return { orderId: res.body.id as string, key, customerId: who.id, retries };
      refusals.push(`${res.status} ${res.body?.code}`);
      if (res.status === 409 && res.body?.upstreamCode === 'INVENTORY_ERR_RESERVATION_RELEASED') {
        key = randomUUID();
        continue;
      }
      const retryAfter = Number(res.headers['retry-after']);
      const retryable = (res.status === 503 || res.status === 409) && Number.isFinite(retryAfter);
      if (!retryable) throw new Error(`checkout answered ${res.status}: ${res.text}`);
      if (Date.now() + retryAfter * 1000 > deadline) {
        throw new Error(`still ${res.status} ${res.body?.code} at the writer's deadline (key ${key})`);
      }
      await sleep(retryAfter * 1000);
    }
  }

  async function startWriter(shard: number, index: number): Promise<Writer> {
    const who = await customerOf(shard);
    const { http } = replicas[index % replicas.length]!;
    const writer: Writer = { shard, acknowledged: [], refusals: [], failures: [], finish: async () => {} };
    const deadline = Date.now() + WRITER_DEADLINE_MS;
    let stopAt = MAX_ORDERS_PER_WRITER;
    const loop = (async () => {
      while (writer.acknowledged.length < stopAt && Date.now() < deadline) {
        try {
          writer.acknowledged.push(await placeOrder(http, who, deadline, writer.refusals));
        } catch (error) {
          writer.failures.push((error as Error).message);
          return;
        }
      }
    })();
    writer.finish = async () => {
      stopAt = Math.min(stopAt, writer.acknowledged.length + ORDERS_AFTER_MOVE);
      await loop;
    };
    return writer;
  }

  const routing = (service: Service, shard: number) => service.shardedDatabase.placements()[shard]!;

  async function setState(shard: number, state: ShardState): Promise<number> {
    const map = (await readShardMap(directory, expected))!;
    const next = await publishShardMap(
      directory,
      nextShardMap(map, [{ shard, state }]),
      `test: ${state}`,
      expected,
    );
    for (const { name, service } of replicas) {
      await eventually(
        `${name} to see map version ${next.version}`,
        () => service.shardedDatabase.map.version >= next.version,
      );
    }
    return next.version;
  }

  test('when a shard is frozen, then its customers’ checkouts answer 503 with Retry-After, its reads keep working and other customers’ checkouts succeed', async () => {
    const FROZEN = 6;
    const frozenCustomer = await customerOf(FROZEN);
    const other = await customerOf(7);
    const { http } = replicas[0]!;
    const before = await checkout(http, frozenCustomer, randomUUID()).expect(201);

    await setState(FROZEN, 'frozen');
    try {
      for (const replica of replicas) {
        const key = randomUUID();
        const refused = await checkout(replica.http, frozenCustomer, key);
        assert.equal(refused.status, 503, `${replica.name}: ${refused.text}`);
        assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
        assert.equal(refused.body.code, 'SHARD_ERR_FROZEN');
        assert.equal(refused.headers['retry-after'], '2');
        await checkout(replica.http, other, randomUUID()).expect(201);
        const read = await replica.http.get(`/api/v1/orders/${before.body.id}`).set(frozenCustomer.headers);
        assert.equal(read.status, 200, `${replica.name} reads a frozen shard: ${read.text}`);
      }
      const rows = await system.shards.sql(FROZEN, 'SELECT id FROM $schema.orders WHERE customer_id = $1', [
        frozenCustomer.id,
      ]);
      assert.deepEqual(rows, [{ id: before.body.id }], 'nothing was written on the frozen shard');
    } finally {
      await setState(FROZEN, 'active');
    }
    await checkout(http, frozenCustomer, randomUUID()).expect(201);
  });

  test('when a replica writes by a map older than a move (the old copy is read-only, SQLSTATE SM001), then the checkout answers 503 with Retry-After and the replica re-reads the map at once', async () => {
    const STALE = 2;
    // Polls once an hour, so only the refused write can tell it that the map changed.
    const replica = await system.startReplica({ ORDER_SHARD_MAP_POLL_MS: '3600000' });
    const http = supertest(replica.server);
    await replica.shardedDatabase.refresh();
    const who = await customerOf(STALE);
    const tables = ['orders', 'order_lines', 'outbox_events', 'idempotency_keys'];
    // What a move's freeze leaves on the source, and the frozen map's row without its notification.
    await system.shards.sql(
      STALE,
      `CREATE FUNCTION $schema.test_refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $body$
       BEGIN RAISE EXCEPTION USING ERRCODE = '${SHARD_READ_ONLY_SQLSTATE}', MESSAGE = 'shard moved; retry'; END $body$`,
    );
    for (const table of tables) {
      await system.shards.sql(
        STALE,
        `CREATE TRIGGER test_read_only BEFORE INSERT OR UPDATE OR DELETE ON $schema.${table} ` +
          'FOR EACH STATEMENT EXECUTE FUNCTION $schema.test_refuse_writes()',
      );
    }
    const frozen = nextShardMap((await readShardMap(directory, expected))!, [
      { shard: STALE, state: 'frozen' },
    ]);
    await directory.query(
      `INSERT INTO ${SHARD_MAP_TABLE} (version, shard_count, assignments, note) VALUES ($1, $2, $3, 'test: frozen, not notified')`,
      [frozen.version, frozen.shardCount, JSON.stringify(frozen.assignments)],
    );
    try {
      assert.equal(routing(replica, STALE).state, 'active', 'the replica has not heard of the freeze');

      const refused = await checkout(http, who, randomUUID());

      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.body.code, 'SHARD_ERR_FROZEN');
      assert.equal(refused.headers['retry-after'], '2');
      await eventually(
        'the replica to re-read the map',
        () => replica.shardedDatabase.map.version === frozen.version,
        {
          timeoutMs: 10_000,
        },
      );
      assert.equal(routing(replica, STALE).state, 'frozen');
    } finally {
      await system.shards.sql(STALE, 'DROP FUNCTION $schema.test_refuse_writes() CASCADE');
      await setState(STALE, 'active');
    }
    await eventually('the replica to see the shard active', () => routing(replica, STALE).state === 'active');
    await checkout(http, who, randomUUID()).expect(201);
  });

  test('when a shard moves to another server under two replicas taking checkouts, then no acknowledged order is lost or duplicated, only its customers wait, and both replicas serve it from its new server', async (t) => {
    const log: string[] = [];
    const options: ShardMoveOptions = {
      servers: system.shards.urls,
      directoryUrl: system.shards.urls.a,
      migrationsDir: path.join(appDir, 'prisma', 'migrations'),
      // A broken move fails the test within minutes instead of waiting out the default hour.
      timeoutMs: 120_000,
      log: (line) => log.push(line),
    };
    const writers = await Promise.all([
      ...Array.from({ length: WRITERS_PER_SHARD }, (_, i) => startWriter(MOVED, i)),
      ...Array.from({ length: WRITERS_PER_SHARD }, (_, i) => startWriter(NEIGHBOUR, i)),
    ]);
    const moving = writers.filter((writer) => writer.shard === MOVED);
    const neighbours = writers.filter((writer) => writer.shard === NEIGHBOUR);
    await eventually('orders on both shards before the move', () =>
      writers.every((writer) => writer.acknowledged.length >= 3 || writer.failures.length > 0),
    );

    const result = await moveShard(MOVED, 'b', options);
    for (const { name, service } of replicas) {
      await eventually(`${name} to route shard ${MOVED} to b`, () => routing(service, MOVED).server === 'b');
    }
    await Promise.all(writers.map((writer) => writer.finish()));
    t.diagnostic(
      `moved in map version ${result.version}; writes refused for ${result.freezeMs} ms; ` +
        `${moving.reduce((n, w) => n + w.acknowledged.length, 0)} orders on shard ${MOVED}, ` +
        `${neighbours.reduce((n, w) => n + w.acknowledged.length, 0)} on shard ${NEIGHBOUR}; ` +
        `refusals on shard ${MOVED}: ${JSON.stringify(tally(moving.flatMap((w) => w.refusals)))}`,
    );

    // The response: every writer got all its orders acknowledged; only the moving shard's waited.
    assert.deepEqual(
      writers.flatMap((writer) => writer.failures),
      [],
    );
    assert.deepEqual(
      neighbours.flatMap((writer) => writer.refusals),
      [],
      `shard ${NEIGHBOUR} is never refused`,
    );
    assert.deepEqual(
      [...new Set(moving.flatMap((writer) => writer.refusals))].filter(
        (refusal) =>
          refusal !== '503 SHARD_ERR_FROZEN' &&
          refusal !== '409 IDEMPOTENCY_ERR_IN_FLIGHT' &&
          refusal !== '409 ORDER_ERR_RESERVATION_CONFLICT',
      ),
      [],
      'the moving shard answers only "frozen, retry", "still in flight, retry" or "place it again"',
    );
    assert.equal(result.from, 'a');
    assert.equal(result.to, 'b');
    assert.ok(Number.isInteger(result.freezeMs) && result.freezeMs >= 0, 'the freeze is reported');
    assert.ok(
      log.some((line) => new RegExp(`writes were refused for ${result.freezeMs} ms`).test(line)),
      'the freeze is in the move log',
    );

    // The stored state: the old copy is dropped, so everything read now comes from b.
    const cleaned = await cleanupShard(MOVED, 'a', options);
    assert.deepEqual(cleaned, { shard: MOVED, server: 'a', dropped: true });
    const acknowledged = moving.flatMap((writer) => writer.acknowledged);
    const b = new pg.Client({ connectionString: system.shards.urls.b });
    await b.connect();
    try {
      const stored = await b.query<{ id: string }>(
        `SELECT id FROM "${schemaOf(MOVED)}".orders WHERE customer_id = ANY($1::uuid[]) ORDER BY id`,
        [[...new Set(acknowledged.map((order) => order.customerId))]],
      );
      assert.deepEqual(
        stored.rows.map((row) => row.id),
        acknowledged.map((order) => order.orderId).sort(),
        'every acknowledged order exactly once on b, and no order nobody was told about',
      );
      const lines = await b.query<{ count: string }>(
        `SELECT count(*) FROM "${schemaOf(MOVED)}".order_lines WHERE order_id = ANY($1::uuid[])`,
        [acknowledged.map((order) => order.orderId)],
      );
      assert.equal(Number(lines.rows[0]!.count), acknowledged.length, 'one line per order');
      // The emitted events: b's outbox drains (its relay followed the shard), each order's event on Kafka.
      await eventually(
        `the outbox of shard ${MOVED} on b relayed`,
        async () => {
          const pending = await b.query<{ count: string }>(
            `SELECT count(*) FROM "${schemaOf(MOVED)}".outbox_events`,
          );
          return Number(pending.rows[0]!.count) === 0;
        },
        { timeoutMs: 60_000 },
      );
    } finally {
      await b.end();
    }
    const placed = new Map<string, number>();
    for await (const message of system.kafka.readTopic('order-events')) {
      const event = message.value ? (JSON.parse(message.value) as { type?: string; subject?: string }) : {};
      if (event.type === 'order.placed.v1' && event.subject !== undefined) {
        placed.set(event.subject, (placed.get(event.subject) ?? 0) + 1);
      }
    }
    assert.deepEqual(
      acknowledged.filter((order) => !placed.has(order.orderId)).map((order) => order.orderId),
      [],
      'every acknowledged order has its order.placed.v1',
    );

    // Both replicas read shard 3 from b (a no longer has it) and write there.
    const sample = moving[0]!.acknowledged[0]!;
    const owner = {
      id: sample.customerId,
      headers: await system.auth.bearer(['customer'], { subject: sample.customerId }),
    };
    for (const { name, http } of replicas) {
      const read = await http.get(`/api/v1/orders/${sample.orderId}`).set(owner.headers);
      assert.equal(read.status, 200, `${name} reads the moved order: ${read.text}`);
      assert.equal(read.body.id, sample.orderId);
      const replay = await checkout(http, owner, sample.key).expect(201);
      assert.equal(replay.body.id, sample.orderId, `${name} replays a key recorded before the move`);
      await checkout(http, owner, randomUUID()).expect(201);
    }
  });
});

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
