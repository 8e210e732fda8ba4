import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Registry } from 'prom-client';
import { AppError, runWithRequestId, ServiceClient, type ServiceClientOptions } from '../../src/index.ts';
import { json, startUpstream } from '../support/upstream-server.ts';

const provider = new NodeTracerProvider();
provider.register();
after(() => provider.shutdown());

async function setUp(
  t: { after(fn: () => Promise<unknown>): void },
  options: Partial<ServiceClientOptions> = {},
) {
  const upstream = await startUpstream((_hit, response) => json(response, 200, { ok: true }));
  const client = new ServiceClient({
    name: 'payment',
    baseUrl: upstream.baseUrl,
    timeoutMs: 1_000,
    ...options,
  });
  t.after(async () => {
    await client.close();
    await upstream.close();
  });
  return { upstream, client };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

/** Fails the first `failures` requests with `status`, then answers 200. */
function failingFirst(failures: number, status = 503) {
  let seen = 0;
  return (_hit: unknown, response: Parameters<typeof json>[0]) => {
    seen += 1;
    if (seen <= failures) json(response, status, { code: 'DOWN' });
    else json(response, 200, { ok: true, attempt: seen });
  };
}

describe('service client', () => {
  test('when a GET meets a 503, then it is retried and the later success is returned', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 2 });
    upstream.respondWith(failingFirst(2));
    const response = await client.request<{ ok: boolean; attempt: number }>({
      method: 'GET',
      path: '/payments/p-1',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { ok: true, attempt: 3 });
    assert.equal(upstream.hits.length, 3);
  });

  test('when a GET keeps failing, then it stops after the configured retries with a 503 AppError', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 2 });
    upstream.respondWith(failingFirst(100, 502));
    const error = await rejection(client.request({ method: 'GET', path: '/payments/p-1' }));
    assert.equal(error.status, 503);
    assert.equal(error.code, 'PLATFORM_ERR_UPSTREAM_UNAVAILABLE');
    assert.match(error.message, /payment service answered 502/);
    assert.equal(upstream.hits.length, 3);
  });

  test('when a POST without an idempotency key fails, then it is not retried: exactly one request reaches the upstream', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 3 });
    upstream.respondWith(failingFirst(1));
    await rejection(client.request({ method: 'POST', path: '/payments', body: { amount: 1999 } }));
    assert.equal(upstream.hits.length, 1);
  });

  test('when a POST carries an idempotency key, then it is retried and every attempt sends the Idempotency-Key header', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 2 });
    upstream.respondWith(failingFirst(1));
    const response = await client.request({
      method: 'POST',
      path: '/payments',
      body: { amount: 1999, currency: 'EUR' },
      idempotencyKey: 'order-42-pay',
    });
    assert.equal(response.status, 200);
    assert.equal(upstream.hits.length, 2);
    for (const hit of upstream.hits) {
      assert.equal(hit.headers['idempotency-key'], 'order-42-pay');
      assert.equal(hit.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(hit.body), { amount: 1999, currency: 'EUR' });
    }
  });

  test('when the upstream answers 4xx, then the answer is returned as is and not retried', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 2 });
    upstream.respondWith((_hit, response) =>
      json(response, 409, { code: 'PAYMENT_ERR_IDEMPOTENCY_KEY_REUSED' }),
    );
    const response = await client.request({ method: 'GET', path: '/payments/p-1' });
    assert.equal(response.status, 409);
    assert.deepEqual(response.body, { code: 'PAYMENT_ERR_IDEMPOTENCY_KEY_REUSED' });
    assert.equal(upstream.hits.length, 1);
  });

  test('when the upstream does not answer in time, then the call fails with a 503 AppError naming the timeout and is aborted', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 0, timeoutMs: 100 });
    const { promise: aborted, resolve: onAborted } = Promise.withResolvers<void>();
    upstream.respondWith((_hit, response, request) => {
      request.socket.on('close', () => onAborted());
      setTimeout(() => json(response, 200, { late: true }), 5_000).unref();
    });
    const error = await rejection(client.request({ method: 'GET', path: '/slow' }));
    assert.equal(error.status, 503);
    assert.match(error.message, /did not answer within 100 ms/);
    // The upstream answers after 5 s; its connection closing before then means the client aborted.
    const leftRunning = sleep(2_000, undefined, { ref: false }).then(() =>
      assert.fail('the timed-out request was left running'),
    );
    await Promise.race([aborted, leftRunning]);
  });

  test('when the upstream promises JSON but sends something else, then a 503 AppError says so', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 0 });
    upstream.respondWith((_hit, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('<html>proxy error</html>'),
    );
    const error = await rejection(client.request({ method: 'GET', path: '/x' }));
    assert.equal(error.status, 503);
    assert.match(error.message, /payment service answered 200 with a body that is not the JSON/);
  });

  test('when the upstream cannot be reached, then a 503 AppError says so', async (t) => {
    const { upstream, client } = await setUp(t, { retries: 0 });
    await upstream.close();
    const error = await rejection(client.request({ method: 'GET', path: '/x' }));
    assert.equal(error.status, 503);
    assert.match(error.message, /could not be reached/);
  });

  test('when failures reach the threshold, then the breaker opens, stops calls reaching the upstream, and half-opens after its delay', async (t) => {
    const { upstream, client } = await setUp(t, {
      retries: 0,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 200 },
    });
    upstream.respondWith((_hit, response) => json(response, 500, {}));
    for (let i = 0; i < 3; i += 1) await rejection(client.request({ method: 'GET', path: '/x' }));
    assert.equal(upstream.hits.length, 3);
    assert.equal(client.breakerState, 'Open');

    const open = await rejection(client.request({ method: 'GET', path: '/x' }));
    assert.match(open.message, /circuit is open/);
    await rejection(client.request({ method: 'POST', path: '/x' }));
    assert.equal(upstream.hits.length, 3, 'no request may reach the upstream while the circuit is open');

    await sleep(300);
    upstream.respondWith((_hit, response) => json(response, 200, { ok: true }));
    const trial = await client.request({ method: 'GET', path: '/x' });
    assert.equal(trial.status, 200);
    assert.equal(upstream.hits.length, 4);
    assert.equal(client.breakerState, 'Closed');
  });

  test('when the client is given a registry, then service_client_breaker_state shows its breaker closed, then open, and nothing after close', async (t) => {
    const registry = new Registry();
    const { upstream, client } = await setUp(t, {
      retries: 0,
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
      registry,
    });
    const states = async () => {
      const metric = await registry.getSingleMetric('service_client_breaker_state')!.get();
      return Object.fromEntries(
        metric.values
          .filter((value) => value.labels['upstream'] === 'payment')
          .map((value) => [value.labels['state'], value.value]),
      );
    };
    assert.deepEqual(await states(), { closed: 1, open: 0, half_open: 0, isolated: 0 });
    upstream.respondWith((_hit, response) => json(response, 500, {}));
    for (let i = 0; i < 2; i += 1) await rejection(client.request({ method: 'GET', path: '/x' }));
    assert.deepEqual(await states(), { closed: 0, open: 1, half_open: 0, isolated: 0 });
    assert.match(
      await registry.metrics(),
      /service_client_breaker_state\{upstream="payment",state="open"\} 1/,
    );
    // close() (run by setUp's t.after) stops exposing it; a second close() would wait on the closed pool.
    t.after(async () => assert.deepEqual(await states(), {}));
  });

  test('when the half-open trial fails, then the breaker opens again', async (t) => {
    const { upstream, client } = await setUp(t, {
      retries: 0,
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 100 },
    });
    upstream.respondWith((_hit, response) => json(response, 503, {}));
    for (let i = 0; i < 2; i += 1) await rejection(client.request({ method: 'GET', path: '/x' }));
    await sleep(200);
    await rejection(client.request({ method: 'GET', path: '/x' }));
    assert.equal(upstream.hits.length, 3);
    assert.equal(client.breakerState, 'Open');
  });

  test('when 4xx answers come back, then they do not count towards opening the breaker', async (t) => {
    const { upstream, client } = await setUp(t, {
      retries: 0,
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
    });
    upstream.respondWith((_hit, response) => json(response, 404, {}));
    for (let i = 0; i < 5; i += 1)
      assert.equal((await client.request({ method: 'GET', path: '/x' })).status, 404);
    assert.equal(client.breakerState, 'Closed');
  });

  test('when a span is active, then the W3C traceparent of a client span in that trace is sent', async (t) => {
    const { upstream, client } = await setUp(t);
    const tracer = trace.getTracer('service-client-test');
    const outer = await tracer.startActiveSpan('checkout', async (span) => {
      await client.request({ method: 'GET', path: '/x' });
      span.end();
      return span.spanContext();
    });
    const traceparent = String(upstream.hits[0]?.headers['traceparent']);
    const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent) ?? [];
    assert.equal(traceId, outer.traceId, `traceparent ${traceparent} is not in the active trace`);
    assert.notEqual(parentId, outer.spanId, 'the parent is the client span, a child of the active one');
  });

  test('when called inside runWithRequestId, then x-request-id is forwarded; outside, none is sent', async (t) => {
    const { upstream, client } = await setUp(t);
    await runWithRequestId('req-77', () => client.request({ method: 'GET', path: '/x' }));
    await client.request({ method: 'GET', path: '/y' });
    assert.equal(upstream.hits[0]?.headers['x-request-id'], 'req-77');
    assert.equal(upstream.hits[1]?.headers['x-request-id'], undefined);
  });

  test('when the caller passes headers, then they are sent alongside the defaults', async (t) => {
    const { upstream, client } = await setUp(t);
    await client.request({ method: 'DELETE', path: '/carts/c-1', headers: { authorization: 'Bearer abc' } });
    const [hit] = upstream.hits;
    assert.equal(hit?.method, 'DELETE');
    assert.equal(hit?.url, '/carts/c-1');
    assert.equal(hit?.headers['authorization'], 'Bearer abc');
    assert.equal(hit?.headers['accept'], 'application/json');
  });

  test('when the base URL is not a bare origin, then construction fails with a message saying how to fix it', () => {
    for (const baseUrl of ['http://payment:3004/api/v1', 'payment:3004', 'ftp://payment', 'not a url']) {
      assert.throws(
        () => new ServiceClient({ name: 'payment', baseUrl }),
        /must be an origin like http:\/\/payment:3004/,
        baseUrl,
      );
    }
    const trailingSlash = new ServiceClient({ name: 'payment', baseUrl: 'http://payment:3004/' });
    return trailingSlash.close();
  });
});
