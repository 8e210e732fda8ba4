import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AppError, ServiceTokenSource } from '@shop/platform';
import { findFreePort, startTestAuth, testClientSecret, type TestAuth } from '@shop/testing';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ProductClient, type ProductClientOptions } from '../../src/data-access/product.client.ts';
import { startProductStub, type ProductStub } from '../support/product-stub.ts';

let stub: ProductStub;
let auth: TestAuth;
let tokens: ServiceTokenSource;
before(async () => {
  stub = await startProductStub();
  auth = await startTestAuth();
  tokens = new ServiceTokenSource({
    tokenUrl: auth.tokenUrl,
    clientId: 'order',
    clientSecret: testClientSecret('order'),
  });
});
after(async () => {
  await stub.close();
  await tokens.close();
  await auth.close();
});
beforeEach(() => {
  stub.answer(null);
  stub.requests.length = 0;
});

const clients: ProductClient[] = [];
after(() => Promise.all(clients.map((client) => client.close())));
function client(options: Partial<ProductClientOptions> = {}): ProductClient {
  const created = new ProductClient({
    baseUrl: stub.url,
    serviceToken: tokens.forAudience('product'),
    timeoutMs: 1_000,
    ...options,
  });
  clients.push(created);
  return created;
}

async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('lookup', () => {
  test('when products are looked up, then one call with a service token for product answers the known ones by id', async () => {
    const shoe = stub.add({ name: 'Shoe', available: 3 });
    const hidden = stub.add({ sellable: false });
    const unknown = randomUUID();

    const found = await client().lookup([shoe.id, hidden.id, unknown, shoe.id]);

    assert.deepEqual([...found.keys()].sort(), [shoe.id, hidden.id].sort());
    assert.deepEqual(found.get(shoe.id), shoe);
    assert.equal(stub.requests.length, 1);
    const [request] = stub.requests;
    const token = String(request?.headers['authorization']).replace(/^Bearer /, '');
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [auth.key.publicJwk] }), {
      audience: 'product',
      issuer: auth.issuer,
    });
    assert.equal(payload.sub, 'svc:order');
    assert.match(String(payload['scope']), /\bproducts:lookup\b/);
    assert.deepEqual((request?.body as { ids: string[] }).ids.sort(), [shoe.id, hidden.id, unknown].sort());
  });

  test('when there is nothing to look up, then no call is made', async () => {
    assert.equal((await client().lookup([])).size, 0);
    assert.equal(stub.requests.length, 0);
  });

  test('when the lookup fails once, then it is retried (a read is safe to repeat)', async () => {
    const product = stub.add();
    let failures = 1;
    stub.answer(() => (failures-- > 0 ? { status: 502, body: { code: 'BAD_GATEWAY' } } : undefined));

    const found = await client().lookup([product.id]);

    assert.equal(found.get(product.id)?.name, product.name);
    assert.equal(stub.requests.length, 2);
  });

  test('when the answer does not match the contract, then the call fails naming the field', async () => {
    const product = stub.add();
    stub.answer(() => ({ status: 200, body: { products: [{ ...product, price: { amount: 12.5 } }] } }));

    const error = await rejected(client().lookup([product.id]));
    assert.ok(error instanceof Error && !(error instanceof AppError));
    assert.match(error.message, /\/products\/0\/price/);
  });

  test('when the product service refuses the token, then one new token is tried, and then the error says what to check', async () => {
    stub.answer(() => ({ status: 401, body: { code: 'PLATFORM_ERR_UNAUTHORIZED' } }));
    const issued = auth.tokensIssued;
    const error = await rejected(client().lookup([randomUUID()]));
    assert.ok(error instanceof Error && !(error instanceof AppError));
    assert.match(error.message, /refused the order service's service token on lookup \(401/);
    assert.equal(
      stub.requests.length,
      2,
      'the first answer 401 dropped the token; the retry carried a new one',
    );
    assert.notEqual(stub.requests[0]?.headers['authorization'], stub.requests[1]?.headers['authorization']);
    assert.ok(auth.tokensIssued > issued);
  });

  test('when the auth service cannot issue a token, then the call is a 503 with Retry-After and the product service is not asked', async () => {
    const offline = new ServiceTokenSource({
      tokenUrl: `http://127.0.0.1:${await findFreePort()}/api/v1/auth/oauth/token`,
      clientId: 'order',
      clientSecret: testClientSecret('order'),
      timeoutMs: 500,
    });
    try {
      const error = await rejected(
        client({ serviceToken: offline.forAudience('product') }).lookup([randomUUID()]),
      );
      assert.ok(error instanceof AppError);
      assert.equal(error.status, 503);
      assert.ok(Number(error.headers['retry-after']) >= 1);
      assert.equal(stub.requests.length, 0);
    } finally {
      await offline.close();
    }
  });
});

describe('reserve and release', () => {
  test('when stock is reserved, then the PUT carries the lines and the TTL, and the expiry comes back', async () => {
    const orderId = randomUUID();
    const lines = [{ productId: randomUUID(), quantity: 2 }];

    const outcome = await client().reserve(orderId, lines, 600);

    assert.equal(outcome.ok, true);
    assert.ok(outcome.ok && outcome.expiresAt instanceof Date && !Number.isNaN(outcome.expiresAt.getTime()));
    const [request] = stub.requests;
    assert.equal(request?.method, 'PUT');
    assert.equal(request?.url, `/internal/v1/inventory/reservations/${orderId}`);
    assert.deepEqual(request?.body, { items: lines, ttlSeconds: 600 });
  });

  test('when stock is short, then the outcome names each short line and what is available', async () => {
    const unavailable = [{ productId: randomUUID(), requested: 5, available: 2 }];
    stub.answer(() => ({ status: 409, body: { code: 'INVENTORY_ERR_INSUFFICIENT_STOCK', unavailable } }));

    const outcome = await client().reserve(
      randomUUID(),
      [{ productId: unavailable[0]!.productId, quantity: 5 }],
      60,
    );

    assert.deepEqual(outcome, { ok: false, shortages: unavailable });
  });

  test('when the order holds another or a released reservation, then it is a 409 AppError naming the upstream code', async () => {
    for (const code of ['INVENTORY_ERR_RESERVATION_MISMATCH', 'INVENTORY_ERR_RESERVATION_RELEASED']) {
      stub.answer(() => ({ status: 409, body: { code } }));
      const error = await rejected(
        client().reserve(randomUUID(), [{ productId: randomUUID(), quantity: 1 }], 60),
      );
      assert.ok(error instanceof AppError, code);
      assert.equal(error.status, 409);
      assert.equal(error.code, 'ORDER_ERR_RESERVATION_CONFLICT');
      assert.equal(error.extensions['upstreamCode'], code);
    }
  });

  test('when a reservation is released, already released or never made, then release succeeds', async () => {
    const orderId = randomUUID();
    await client().release(orderId);
    assert.equal(stub.requests[0]?.url, `/internal/v1/inventory/reservations/${orderId}/release`);
    for (const answer of [
      { status: 404, body: { code: 'INVENTORY_ERR_RESERVATION_NOT_FOUND' } },
      { status: 409, body: { code: 'INVENTORY_ERR_RESERVATION_RELEASED' } },
    ]) {
      stub.answer(() => answer);
      await client().release(orderId);
    }
  });

  test('when the stock was already sold, then release refuses with a 409 AppError', async () => {
    stub.answer(() => ({ status: 409, body: { code: 'INVENTORY_ERR_RESERVATION_COMMITTED' } }));
    const error = await rejected(client().release(randomUUID()));
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'ORDER_ERR_STOCK_ALREADY_COMMITTED');
  });
});

describe('when the product service is down', () => {
  test('then every call is a 503 AppError with Retry-After', async () => {
    const down = client({ baseUrl: `http://127.0.0.1:${await findFreePort()}`, retries: 0 });
    for (const call of [
      () => down.lookup([randomUUID()]),
      () => down.reserve(randomUUID(), [{ productId: randomUUID(), quantity: 1 }], 60),
      () => down.release(randomUUID()),
    ]) {
      const error = await rejected(call());
      assert.ok(error instanceof AppError);
      assert.equal(error.status, 503);
      assert.equal(error.code, 'PLATFORM_ERR_UPSTREAM_UNAVAILABLE');
      assert.equal(error.headers['retry-after'], '1');
    }
  });

  test('then after the configured failures the breaker opens: calls fail without reaching it, Retry-After is the open time', async () => {
    stub.answer(() => ({ status: 500, body: { code: 'BOOM' } }));
    const failing = client({ retries: 0, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 30_000 } });

    for (let i = 0; i < 3; i += 1) await rejected(failing.lookup([randomUUID()]));
    assert.equal(failing.breakerState, 'Open');
    const reached = stub.requests.length;

    const error = await rejected(failing.lookup([randomUUID()]));
    assert.ok(error instanceof AppError);
    assert.equal(error.status, 503);
    assert.match(error.message, /circuit is open/);
    assert.equal(error.headers['retry-after'], '30');
    assert.equal(stub.requests.length, reached, 'an open breaker does not call the product service');
  });
});
