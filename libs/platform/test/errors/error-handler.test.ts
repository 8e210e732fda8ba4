import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import {
  AppError,
  currentRequestId,
  defineError,
  PlatformErrors,
  problemResponses,
  ProblemSchema,
  type Service,
} from '../../src/index.ts';
import type { CapturedLogs } from '../support/log-capture.ts';
import { buildTestService } from '../support/test-service.ts';

const outOfStock = defineError('ORDER_ERR_OUT_OF_STOCK', 409, 'Not enough stock for this item.');

const PlaceOrderBody = Type.Object({
  sku: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: 1 }),
  address: Type.Object({ street: Type.String(), zip: Type.String({ pattern: '^[0-9]{5}$' }) }),
});

const strictRoute = async (service: FastifyInstance) => {
  service.post(
    '/strict',
    {
      schema: { body: Type.Object({ name: Type.Optional(Type.String()) }, { additionalProperties: false }) },
    },
    async () => ({ ok: true }),
  );
};

let app: Service;
let logs: CapturedLogs;

before(async () => {
  ({ app, logs } = await buildTestService(async (service) => {
    service.post(
      '/orders',
      { schema: { body: PlaceOrderBody, response: problemResponses(400, 409) } },
      async () => ({ ok: true }),
    );
    service.get(
      '/orders/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          querystring: Type.Object({ expand: Type.Optional(Type.Boolean()) }),
        },
      },
      async () => ({ ok: true }),
    );
    service.get('/stock', async () => {
      throw outOfStock('Only 2 left of SKU-1.', {
        extensions: { available: 2 },
        headers: { 'retry-after': '30' },
      });
    });
    service.get('/stock-declared', { schema: { response: problemResponses(409) } }, async () => {
      throw outOfStock(undefined, { extensions: { available: 0 } });
    });
    service.get('/stock-clobbering', async () => {
      throw outOfStock(undefined, {
        extensions: { status: 200, code: 'OK', requestId: 'forged', sku: 'SKU-9' },
      });
    });
    service.get('/upstream', async () => {
      throw PlatformErrors.upstreamUnavailable();
    });
    service.get('/boom', async () => {
      throw new Error('connection to db-primary:5432 failed for user shop password=hunter2');
    });
    service.get('/boom-with-status', async () => {
      throw Object.assign(new Error('pool exhausted at 10.0.0.7'), { statusCode: 503 });
    });
    service.get('/boom-not-an-error', async () => {
      throw { reason: 'a plain object, not an Error' };
    });
    service.get('/request-id', async () => ({ seen: currentRequestId() }));
  }));
});
after(() => app.close());

function assertProblem(
  response: LightMyRequestResponse,
  status: number,
  code: string,
): Record<string, unknown> {
  assert.equal(response.statusCode, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json<Record<string, unknown>>();
  assert.ok(Value.Check(ProblemSchema, response.json()), `not a problem document: ${response.body}`);
  assert.equal(body['status'], status);
  assert.equal(body['code'], code);
  assert.equal(body['requestId'], response.headers['x-request-id']);
  return body;
}

describe('error handler', () => {
  test('when the body fails validation, then 400 problem+json lists every failing field', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { sku: '', quantity: 0, address: { street: 'Main St' } },
    });
    const body = assertProblem(response, 400, 'PLATFORM_ERR_VALIDATION');
    const fields = (body['errors'] as { field: string; message: string }[]).map((e) => e.field).sort();
    assert.deepEqual(fields, ['body.address.zip', 'body.quantity', 'body.sku']);
    for (const error of body['errors'] as { message: string }[]) assert.ok(error.message.length > 0);
    assert.equal(body['detail'], 'The request does not match the schema.');
  });

  test('when a large body breaks the schema in thousands of places, then the problem lists ten and says how many', async (t) => {
    const { app: roomy } = await buildTestService(strictRoute, { bodyLimitBytes: 1_048_576 });
    t.after(() => roomy.close());
    const payload = Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`unknown${i}`, i]));
    const response = await roomy.inject({ method: 'POST', url: '/strict', payload });
    const body = assertProblem(response, 400, 'PLATFORM_ERR_VALIDATION');
    assert.ok(response.body.length < 2_048, `a ${response.body.length}-byte answer to one bad request`);
    assert.equal((body['errors'] as unknown[]).length, 10);
    assert.match(String(body['detail']), /the first 10 of 30000 errors are listed/);
  });

  test('when a route sets its own bodyLimit, then a body over it is refused 413 below the service limit', async (t) => {
    const { app: limited } = await buildTestService(
      async (service) => {
        service.post('/small', { bodyLimit: 1_024 }, async () => ({ ok: true }));
        service.post('/large', async () => ({ ok: true }));
      },
      { bodyLimitBytes: 65_536 },
    );
    t.after(() => limited.close());
    const payload = { note: 'x'.repeat(2_000) };
    assertProblem(
      await limited.inject({ method: 'POST', url: '/small', payload }),
      413,
      'PLATFORM_ERR_BODY_TOO_LARGE',
    );
    assert.equal((await limited.inject({ method: 'POST', url: '/large', payload })).statusCode, 200);
  });

  test('when params and query fail validation, then the fields name where they came from', async () => {
    const response = await app.inject({ method: 'GET', url: '/orders/not-a-uuid?expand=perhaps' });
    const body = assertProblem(response, 400, 'PLATFORM_ERR_VALIDATION');
    const fields = (body['errors'] as { field: string }[]).map((e) => e.field);
    assert.deepEqual(fields, ['params.id']);
    const query = await app.inject({
      method: 'GET',
      url: '/orders/8c5b7e0e-2c1f-4a51-9d0e-1f0f3c0c9a11?expand=perhaps',
    });
    assert.deepEqual(
      (assertProblem(query, 400, 'PLATFORM_ERR_VALIDATION')['errors'] as { field: string }[]).map(
        (e) => e.field,
      ),
      ['querystring.expand'],
    );
  });

  test('when the body is malformed JSON, then 400 with a stable code', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"sku": ',
    });
    assertProblem(response, 400, 'PLATFORM_ERR_MALFORMED_JSON');
  });

  test('when the body exceeds the limit, then 413', async () => {
    const payload = { sku: 'x'.repeat(10_000), quantity: 1, address: { street: 's', zip: '12345' } };
    assertProblem(
      await app.inject({ method: 'POST', url: '/orders', payload }),
      413,
      'PLATFORM_ERR_BODY_TOO_LARGE',
    );
  });

  test('when the media type is not supported, then 415', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/xml' },
      payload: '<order/>',
    });
    assertProblem(response, 415, 'PLATFORM_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  test('when no route matches, then 404 problem naming the method and path', async () => {
    const body = assertProblem(
      await app.inject({ method: 'DELETE', url: '/nowhere?x=1' }),
      404,
      'PLATFORM_ERR_NOT_FOUND',
    );
    assert.match(String(body['detail']), /DELETE \/nowhere/);
  });

  test('when a route throws an AppError, then its code, status, message, extensions and headers are rendered', async () => {
    const response = await app.inject({ method: 'GET', url: '/stock' });
    const body = assertProblem(response, 409, 'ORDER_ERR_OUT_OF_STOCK');
    assert.equal(body['detail'], 'Only 2 left of SKU-1.');
    assert.equal(body['available'], 2);
    assert.equal(body['type'], 'urn:shop:problem:order_err_out_of_stock');
    assert.equal(body['title'], 'Conflict');
    assert.equal(body['instance'], '/stock');
    assert.equal(response.headers['retry-after'], '30');
  });

  test('when the route declares its problem responses, then the serializer keeps code, requestId and extensions', async () => {
    const body = assertProblem(
      await app.inject({ method: 'GET', url: '/stock-declared' }),
      409,
      'ORDER_ERR_OUT_OF_STOCK',
    );
    assert.equal(body['detail'], 'Not enough stock for this item.');
    assert.equal(body['available'], 0);
  });

  test('when extensions reuse a standard member name, then the standard member wins', async () => {
    const body = assertProblem(
      await app.inject({ method: 'GET', url: '/stock-clobbering' }),
      409,
      'ORDER_ERR_OUT_OF_STOCK',
    );
    assert.equal(body['sku'], 'SKU-9');
  });

  test('when a route throws a 5xx AppError, then it is rendered as declared, not hidden', async () => {
    const body = assertProblem(
      await app.inject({ method: 'GET', url: '/upstream' }),
      503,
      'PLATFORM_ERR_UPSTREAM_UNAVAILABLE',
    );
    assert.match(String(body['detail']), /try again/);
  });

  test('when a route throws an unknown error, then 500 hides its details and the error is logged with the request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/boom' });
    const body = assertProblem(response, 500, 'PLATFORM_ERR_INTERNAL');
    const text = response.body;
    assert.doesNotMatch(text, /hunter2|db-primary|connection to/);
    assert.doesNotMatch(text, /stack|at .*\.ts:\d+/);
    assert.match(String(body['detail']), /requestId/);

    const logged = logs
      .withMessage('request failed unexpectedly')
      .find((l) => l['requestId'] === body['requestId']);
    assert.ok(logged, 'the unknown error must be logged');
    assert.equal(logged.level, 50);
    const err = logged['err'] as { message: string; stack: string };
    assert.match(err.message, /db-primary/);
    assert.match(err.stack, /error-handler\.test\.ts/);
    assert.equal(logged['route'], '/boom');
  });

  test('when an unknown error carries a 5xx statusCode, then it is still hidden and logged', async () => {
    const response = await app.inject({ method: 'GET', url: '/boom-with-status' });
    assertProblem(response, 500, 'PLATFORM_ERR_INTERNAL');
    assert.doesNotMatch(response.body, /10\.0\.0\.7/);
    assert.ok(
      logs
        .withMessage('request failed unexpectedly')
        .some((l) => (l['err'] as { message: string }).message.includes('10.0.0.7')),
    );
  });

  test('when a route throws something that is not an Error, then 500 problem+json and nothing leaks', async () => {
    const response = await app.inject({ method: 'GET', url: '/boom-not-an-error' });
    assertProblem(response, 500, 'PLATFORM_ERR_INTERNAL');
    assert.doesNotMatch(response.body, /plain object/);
  });

  test('when a 4xx is refused, then it is logged at info, not as an error', async () => {
    const response = await app.inject({ method: 'GET', url: '/stock' });
    const line = logs
      .withMessage('request refused')
      .find((l) => l['requestId'] === response.headers['x-request-id']);
    assert.ok(line);
    assert.equal(line.level, 30);
    assert.equal(line['code'], 'ORDER_ERR_OUT_OF_STOCK');
  });
});

describe('request id', () => {
  test('when the client sends no x-request-id, then a UUID is generated, echoed and used in problems', async () => {
    const response = await app.inject({ method: 'GET', url: '/request-id' });
    const id = String(response.headers['x-request-id']);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(response.json().seen, id, 'handlers see the request id through currentRequestId()');
  });

  test('when the client sends an x-request-id, then it is honoured, echoed and visible to the handler', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/request-id',
      headers: { 'x-request-id': 'edge-7f3a.42' },
    });
    assert.equal(response.headers['x-request-id'], 'edge-7f3a.42');
    assert.equal(response.json().seen, 'edge-7f3a.42');
    const problem = await app.inject({
      method: 'GET',
      url: '/stock',
      headers: { 'x-request-id': 'edge-7f3a.43' },
    });
    assert.equal(problem.json().requestId, 'edge-7f3a.43');
  });

  test('when the client sends an oversized or odd x-request-id, then a fresh one replaces it', async () => {
    for (const sent of ['x'.repeat(500), 'id with spaces', 'evil\u0000id']) {
      const response = await app.inject({
        method: 'GET',
        url: '/request-id',
        headers: { 'x-request-id': sent },
      });
      assert.notEqual(response.headers['x-request-id'], sent);
      assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    }
  });
});

describe('AppError', () => {
  test('when built by a catalog entry, then it keeps code, status, default message and cause', () => {
    const cause = new Error('root');
    const error = outOfStock(undefined, { cause });
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'ORDER_ERR_OUT_OF_STOCK');
    assert.equal(error.status, 409);
    assert.equal(error.message, 'Not enough stock for this item.');
    assert.equal(error.cause, cause);
    assert.deepEqual(error.headers, {});
  });
});
