import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import { defaultBehaviour, deferred, TestService } from './support/test-service.ts';

let database: TestDatabase;
let service: TestService;
let keyCounter = 0;
const newKey = () => `key-${process.pid}-${++keyCounter}`;

before(async () => {
  database = await createTestDatabase('idempotency-plugin');
  service = await TestService.start(database.url, { reapBatchSize: 2 });
});

after(async () => {
  await service.close();
  await database.drop();
});

beforeEach(() => {
  service.behaviour = { ...defaultBehaviour };
  service.executions.length = 0;
});

async function keysOf(caller: string) {
  const shard = caller === 'bob' ? 'shard_b' : 'shard_a';
  return (await service.keys(shard)).filter((row) => row.scope === caller);
}

describe('the key header', () => {
  test('when the header is missing, then 400 problem+json saying how to send one, and nothing runs or is stored', async () => {
    const response = await service.order('alice', undefined, { amount: 1 });
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(response.json().code, 'IDEMPOTENCY_ERR_KEY_MISSING');
    assert.match(response.json().detail, /send a new unique value/);
    assert.deepEqual(service.executions, []);
  });

  for (const [label, header] of [
    ['empty', '""'],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not a string (a bare value with a space)', 'two words'],
    ['a quoted string with parameters', '"abc";v=1'],
    ['an unterminated quoted string', '"abc'],
  ] as const) {
    test(`when the key is ${label}, then 400 malformed and nothing runs`, async () => {
      const response = await service.order('alice', header, { amount: 1 });
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().code, 'IDEMPOTENCY_ERR_KEY_MALFORMED');
      assert.deepEqual(service.executions, []);
    });
  }

  test('when the same key is sent quoted and bare, then it is one key', async () => {
    const key = newKey();
    const first = await service.order('alice', `"${key}"`, { amount: 2 });
    const second = await service.order('alice', key, { amount: 2 });
    assert.equal(first.statusCode, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.body, first.body);
  });
});

describe('replays', () => {
  test('when the same request is retried, then the first response is replayed byte for byte with Idempotent-Replayed, and the effect happened once', async () => {
    const key = newKey();
    const first = await service.order('alice', key, { amount: 3, note: 'gift' });
    // The same body with its keys in another order is the same request.
    const retry = await service.order('alice', key, { note: 'gift', amount: 3 });

    assert.equal(first.statusCode, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.rawPayload.toString('hex'), first.rawPayload.toString('hex'));
    assert.equal(retry.headers.location, first.headers.location);
    assert.equal(retry.headers['content-type'], first.headers['content-type']);
    assert.deepEqual(service.executions, [first.json().id]);
    const effects = (await service.effects('shard_a')).filter((effect) => effect.id === first.json().id);
    assert.equal(effects.length, 1);
    const [row] = await keysOf('alice').then((rows) => rows.filter((r) => r.key === key));
    assert.equal(row?.locked_until, null);
    assert.equal(row?.response_status, 201);
  });

  test('when the key is reused with a different body, then 422 and nothing runs', async () => {
    const key = newKey();
    assert.equal((await service.order('alice', key, { amount: 4 })).statusCode, 201);
    const reused = await service.order('alice', key, { amount: 5 });
    assert.equal(reused.statusCode, 422);
    assert.equal(reused.json().code, 'IDEMPOTENCY_ERR_KEY_REUSED');
    assert.equal(service.executions.length, 1);
  });

  test('when another caller sends the same key, then it is an independent key (same store, another scope)', async () => {
    const key = newKey();
    const alice = await service.order('alice', key, { amount: 6 });
    const carol = await service.order('carol', key, { amount: 7 });
    assert.equal(alice.statusCode, 201);
    assert.equal(carol.statusCode, 201);
    assert.equal(carol.headers['idempotent-replayed'], undefined);
    assert.notEqual(carol.json().id, alice.json().id);
    assert.equal(service.executions.length, 2);
  });
});

describe('outcomes that are not stored', () => {
  test('when the body fails validation, then 400 and the key is untouched: the corrected request runs', async () => {
    const key = newKey();
    const invalid = await service.order('alice', key, { amount: 'many' });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().code, 'PLATFORM_ERR_VALIDATION');
    assert.deepEqual(await keysOf('alice').then((rows) => rows.filter((r) => r.key === key)), []);
    const valid = await service.order('alice', key, { amount: 8 });
    assert.equal(valid.statusCode, 201);
  });

  test('when auth refuses the request, then 401 and the key is untouched', async () => {
    const key = newKey();
    const refused = await service.order(undefined, key, { amount: 9 });
    assert.equal(refused.statusCode, 401);
    for (const caller of ['alice', 'bob']) {
      assert.deepEqual(await keysOf(caller).then((rows) => rows.filter((r) => r.key === key)), []);
    }
    assert.deepEqual(service.executions, []);
  });

  test('when the handler fails with a 5xx, then nothing is stored and the retry runs again with the same resource id', async () => {
    const key = newKey();
    let failures = 1;
    service.behaviour.beforeEffect = async () => {
      if (failures-- > 0) throw new Error('the product service timed out');
    };
    const failed = await service.order('bob', key, { amount: 10 });
    assert.equal(failed.statusCode, 500);
    const [released] = await keysOf('bob').then((rows) => rows.filter((r) => r.key === key));
    assert.equal(released?.response_status, null);

    const retry = await service.order('bob', key, { amount: 10 });
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.equal(service.executions.length, 2);
    assert.equal(service.executions[0], service.executions[1]);
    assert.equal(retry.json().id, service.executions[0]);
  });

  test('when the effect transaction rolls back at its very end, then no "done" is recorded and the retry completes the effect once', async () => {
    const key = newKey();
    service.behaviour.beforeEffectCommit = async () => {
      throw new Error('the commit failed');
    };
    const failed = await service.order('bob', key, { amount: 11 });
    assert.equal(failed.statusCode, 500);
    const resourceId = service.executions[0]!;
    assert.deepEqual(
      (await service.effects('shard_b')).filter((effect) => effect.id === resourceId),
      [],
    );
    const [row] = await keysOf('bob').then((rows) => rows.filter((r) => r.key === key));
    assert.equal(row?.response_status, null);

    service.behaviour.beforeEffectCommit = async () => {};
    const retry = await service.order('bob', key, { amount: 11 });
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.json().id, resourceId);
    assert.equal((await service.effects('shard_b')).filter((effect) => effect.id === resourceId).length, 1);
  });
});

describe('outcomes that are stored', () => {
  test('when the handler answers 4xx after execution began, then that answer is replayed and the handler does not run again', async () => {
    const key = newKey();
    const refused = await service.order('alice', key, { amount: 500 });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'TEST_ERR_OUT_OF_STOCK');
    const retry = await service.order('alice', key, { amount: 500 });
    assert.equal(retry.statusCode, 409);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.body, refused.body);
    assert.equal(retry.headers['content-type'], refused.headers['content-type']);
    assert.equal(service.executions.length, 1);
  });
});

describe('answers without complete', () => {
  test('when the handler sends a 2xx itself, then it is recorded after it and replayed, with the chosen headers only', async () => {
    const key = newKey();
    const first = await service.note('n1', key, 'hello');
    const retry = await service.note('n1', key, 'hello');
    assert.equal(first.statusCode, 202);
    assert.equal(retry.statusCode, 202);
    assert.equal(retry.body, first.body);
    assert.equal(retry.headers.location, '/notes/n1');
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.headers['x-not-replayed'], undefined);
    assert.deepEqual(service.executions, ['n1']);
  });

  test('when the same key and body go to another resource, then 422: the path parameters are part of the request', async () => {
    const key = newKey();
    assert.equal((await service.note('n2', key, 'same')).statusCode, 202);
    const other = await service.note('n3', key, 'same');
    assert.equal(other.statusCode, 422);
    assert.deepEqual(service.executions, ['n2']);
  });
});

describe('in flight', () => {
  test('when a retry arrives while the first request runs, then 409 with Retry-After, and never a second execution', async () => {
    const key = newKey();
    const hold = deferred();
    const started = deferred();
    service.behaviour.beforeEffect = async () => {
      started.resolve();
      await hold.promise;
    };
    const first = service.order('alice', key, { amount: 12 });
    await started.promise;

    const concurrent = await service.order('alice', key, { amount: 12 });
    assert.equal(concurrent.statusCode, 409);
    assert.equal(concurrent.json().code, 'IDEMPOTENCY_ERR_IN_FLIGHT');
    assert.equal(concurrent.headers['retry-after'], '1');

    hold.resolve();
    const done = await first;
    assert.equal(done.statusCode, 201);
    const later = await service.order('alice', key, { amount: 12 });
    assert.equal(later.headers['idempotent-replayed'], 'true');
    assert.equal(later.body, done.body);
    assert.equal(service.executions.length, 1);
  });

  // carol's store claims a new key with one autocommitted INSERT, bob's inside a transaction.
  for (const [caller, shard, amount] of [
    ['carol', 'shard_a', 13],
    ['bob', 'shard_b', 14],
  ] as const) {
    test(`when 20 requests with one key arrive at once (${caller}, ${shard}), then the effect happens exactly once and the others get 409 or the replay`, async () => {
      const key = newKey();
      const before = service.executions.length;
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => service.order(caller, key, { amount })),
      );
      const created = responses.filter((r) => r.statusCode === 201);
      const conflicts = responses.filter((r) => r.statusCode === 409);
      assert.equal(created.length + conflicts.length, 20, responses.map((r) => r.statusCode).join(','));
      assert.equal(created.filter((r) => r.headers['idempotent-replayed'] === undefined).length, 1);
      for (const response of created) assert.equal(response.body, created[0]!.body);
      for (const response of conflicts) assert.equal(response.json().code, 'IDEMPOTENCY_ERR_IN_FLIGHT');
      assert.equal(service.executions.length - before, 1);
      const id = created[0]!.json().id;
      assert.equal(
        (await service.effects(shard)).filter((effect) => effect.scope === caller && effect.id === id).length,
        1,
      );
      assert.equal((await service.effects(shard)).filter((effect) => effect.amount === amount).length, 1);
    });
  }
});

describe('a crash between the phases', () => {
  test('when the first attempt died after phase 1 (its lock expired), then a retry takes over with the same resource id and one effect exists', async () => {
    const key = newKey();
    const never = deferred();
    const started = deferred();
    service.behaviour.beforeEffect = async () => {
      started.resolve();
      await never.promise;
    };
    // The first attempt stops for good after phase 1, as a process killed there would.
    const zombie = service.order('bob', key, { amount: 14 });
    await started.promise;
    // Time passes beyond its lock.
    await service.pool.query(
      `UPDATE ${service.table('shard_b', 'idempotency_keys')} SET locked_until = now() - interval '1 second' WHERE scope = 'bob' AND key = $1`,
      [key],
    );

    service.behaviour.beforeEffect = async () => {};
    const retry = await service.order('bob', key, { amount: 14 });
    assert.equal(retry.statusCode, 201);
    assert.equal(service.executions.length, 2);
    assert.equal(service.executions[1], service.executions[0]);
    assert.equal(retry.json().id, service.executions[0]);

    // The old attempt wakes up: it no longer holds the key, so its transaction rolls back.
    never.resolve();
    const late = await zombie;
    assert.equal(late.statusCode, 409);
    const effects = (await service.effects('shard_b')).filter(
      (effect) => effect.id === service.executions[0],
    );
    assert.equal(effects.length, 1);
    const replay = await service.order('bob', key, { amount: 14 });
    assert.equal(replay.body, retry.body);
  });

  test('when a stale attempt wakes up while the attempt that took over still runs, then the stale one rolls back and the new owner records the answer', async () => {
    const key = newKey();
    const staleHold = deferred();
    const ownerHold = deferred();
    const staleStarted = deferred();
    const ownerStarted = deferred();
    service.behaviour.beforeEffect = async () => {
      staleStarted.resolve();
      await staleHold.promise;
    };
    const stale = service.order('bob', key, { amount: 20 });
    await staleStarted.promise;
    await service.pool.query(
      `UPDATE ${service.table('shard_b', 'idempotency_keys')} SET locked_until = now() - interval '1 second' WHERE scope = 'bob' AND key = $1`,
      [key],
    );
    service.behaviour.beforeEffect = async () => {
      ownerStarted.resolve();
      await ownerHold.promise;
    };
    const owner = service.order('bob', key, { amount: 20 });
    await ownerStarted.promise;

    staleHold.resolve();
    const staleAnswer = await stale;
    assert.equal(staleAnswer.statusCode, 409);
    assert.equal(staleAnswer.json().code, 'IDEMPOTENCY_ERR_IN_FLIGHT');
    const resourceId = service.executions[0]!;
    assert.deepEqual(
      (await service.effects('shard_b')).filter((effect) => effect.id === resourceId),
      [],
    );

    ownerHold.resolve();
    const ownerAnswer = await owner;
    assert.equal(ownerAnswer.statusCode, 201);
    assert.equal(ownerAnswer.json().id, resourceId);
    assert.equal((await service.effects('shard_b')).filter((effect) => effect.id === resourceId).length, 1);
    const replay = await service.order('bob', key, { amount: 20 });
    assert.equal(replay.body, ownerAnswer.body);
  });

  test('when phase 1 has run, then the key row is in flight (locked) and holds the resource id the handler sees', async () => {
    const key = newKey();
    const hold = deferred();
    const started = deferred();
    service.behaviour.beforeEffect = async () => {
      started.resolve();
      await hold.promise;
    };
    const first = service.order('alice', key, { amount: 15 });
    await started.promise;
    const [row] = await keysOf('alice').then((rows) => rows.filter((r) => r.key === key));
    assert.ok(row?.locked_until instanceof Date);
    assert.equal(row.resource_id, service.executions[0]);
    hold.resolve();
    assert.equal((await first).json().id, row.resource_id);
  });
});

describe('expiry', () => {
  test('when a key is older than the TTL, then it is new again, even before the reaper ran', async () => {
    const key = newKey();
    const first = await service.order('alice', key, { amount: 16 });
    await service.pool.query(
      `UPDATE ${service.table('shard_a', 'idempotency_keys')} SET created_at = now() - interval '25 hours' WHERE scope = 'alice' AND key = $1`,
      [key],
    );
    const again = await service.order('alice', key, { amount: 17 });
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], undefined);
    assert.notEqual(again.json().id, first.json().id);
    assert.equal(service.executions.length, 2);
  });

  test('when the reaper runs, then it deletes the expired keys of every store, in batches, and keeps the fresh ones', async () => {
    // Three expired in one store, with batches of two: a run takes more than one statement.
    const keys = [newKey(), newKey(), newKey(), newKey(), newKey()];
    await service.order('alice', keys[0], { amount: 18 });
    await service.order('carol', keys[1], { amount: 18 });
    await service.order('alice', keys[2], { amount: 18 });
    await service.order('bob', keys[3], { amount: 18 });
    await service.order('bob', keys[4], { amount: 18 });
    for (const shard of ['shard_a', 'shard_b'] as const) {
      await service.pool.query(
        `UPDATE ${service.table(shard, 'idempotency_keys')} SET created_at = now() - interval '25 hours' WHERE key = ANY($1) AND key <> $2`,
        [keys, keys[4]],
      );
    }
    const before = [...(await service.keys('shard_a')), ...(await service.keys('shard_b'))].length;

    const deleted = await service.app.idempotencyKeys.reap();

    const left = [...(await service.keys('shard_a')), ...(await service.keys('shard_b'))];
    assert.ok(deleted >= 4, `deleted ${deleted}`);
    assert.equal(left.length, before - deleted);
    assert.ok(left.some((row) => row.key === keys[4]));
    assert.ok(!left.some((row) => keys.slice(0, 4).includes(String(row.key))));
  });
});

describe('documentation and metrics', () => {
  test('when the OpenAPI document is read, then the route requires the Idempotency-Key header and lists 409 and 422', async () => {
    const document = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = document.paths['/orders'].post;
    const header = operation.parameters.find((p: { name: string }) => p.name === 'idempotency-key');
    assert.equal(header?.in, 'header');
    assert.equal(header?.required, true);
    for (const status of ['201', '400', '409', '422']) assert.ok(operation.responses[status], status);
  });

  test('when a request is replayed, then idempotency_requests_total counts it', async () => {
    const key = newKey();
    await service.order('alice', key, { amount: 19 });
    await service.order('alice', key, { amount: 19 });
    const metric = await service.app.metrics.getSingleMetric('idempotency_requests_total')!.get();
    const replayed = metric.values.find((value) => value.labels.outcome === 'replayed');
    assert.ok((replayed?.value ?? 0) >= 1);
  });
});
