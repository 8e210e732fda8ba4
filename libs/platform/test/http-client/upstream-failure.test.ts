import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AppError,
  isUpstreamFailure,
  PlatformErrors,
  ServiceClient,
  type ServiceClientOptions,
  type ServiceRequest,
  type UpstreamFailureError,
} from '../../src/index.ts';
import { json, startUpstream, type UpstreamHandler } from '../support/upstream-server.ts';

async function setUp(
  t: { after(fn: () => Promise<unknown>): void },
  handler: UpstreamHandler,
  options: Partial<ServiceClientOptions> = {},
) {
  const upstream = await startUpstream(handler);
  const client = new ServiceClient({
    name: 'payment',
    baseUrl: upstream.baseUrl,
    timeoutMs: 1_000,
    retries: 0,
    ...options,
  });
  t.after(async () => {
    await client.close();
    await upstream.close();
  });
  return { upstream, client };
}

async function failureOf(client: ServiceClient, req: ServiceRequest): Promise<UpstreamFailureError> {
  try {
    await client.request(req);
  } catch (error) {
    assert.ok(isUpstreamFailure(error, 'payment'), `expected an upstream failure, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

const post: ServiceRequest = { method: 'POST', path: '/charges', body: { amount: 1 } };

describe('the reason a ServiceClient call failed', () => {
  test('when the upstream answers too late, then the reason is timeout and the request may have been sent', async (t) => {
    const { client } = await setUp(
      t,
      (_hit, response) => void setTimeout(() => json(response, 200, {}), 2_000).unref(),
      { timeoutMs: 100 },
    );
    const failure = await failureOf(client, post);
    assert.equal(failure.reason, 'timeout');
    assert.equal(failure.notSent, false);
    assert.equal(failure.status, 503);
    assert.equal(failure.code, 'PLATFORM_ERR_UPSTREAM_UNAVAILABLE');
    assert.deepEqual(failure.extensions, {}, 'the reason is for the caller, not for the problem body');
  });

  test('when nothing listens, then the reason is unreachable and the request was not sent', async (t) => {
    const { upstream, client } = await setUp(t, (_hit, response) => json(response, 200, {}));
    await upstream.close();
    const failure = await failureOf(client, post);
    assert.equal(failure.reason, 'unreachable');
    assert.equal(failure.notSent, true);
  });

  test('when the breaker is open, then the reason is breaker_open and the request was not sent', async (t) => {
    const { upstream, client } = await setUp(t, (_hit, response) => json(response, 500, {}), {
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
    });
    for (let i = 0; i < 2; i += 1) assert.equal((await failureOf(client, post)).reason, 'upstream_5xx');
    const failure = await failureOf(client, post);
    assert.equal(failure.reason, 'breaker_open');
    assert.equal(failure.notSent, true);
    assert.equal(upstream.hits.length, 2, 'the open breaker kept the third call from the upstream');
  });

  test('when the upstream answers 5xx, then the reason is upstream_5xx with its status', async (t) => {
    const { client } = await setUp(t, (_hit, response) => json(response, 502, { code: 'BAD_GATEWAY' }));
    const failure = await failureOf(client, post);
    assert.equal(failure.reason, 'upstream_5xx');
    assert.equal(failure.upstreamStatus, 502);
    assert.equal(failure.notSent, false);
  });

  test('when the upstream sends a body that is not the JSON it says, then the reason is invalid_answer', async (t) => {
    const { client } = await setUp(t, (_hit, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('<html>proxy</html>'),
    );
    const failure = await failureOf(client, { method: 'GET', path: '/charges/ch_1' });
    assert.equal(failure.reason, 'invalid_answer');
    assert.equal(failure.upstreamStatus, 200);
  });

  test('when the connection drops after the request arrived, then the reason is connection_lost and it may have taken effect', async (t) => {
    const { upstream, client } = await setUp(t, (_hit, _response, request) => request.socket.destroy());
    const failure = await failureOf(client, post);
    assert.equal(failure.reason, 'connection_lost');
    assert.equal(failure.notSent, false);
    assert.equal(upstream.hits.length, 1, 'the upstream did get the request');
  });

  test('when an error is not a ServiceClient failure, or of another upstream, then the guard says no', async (t) => {
    const { client } = await setUp(t, (_hit, response) => json(response, 503, {}));
    const failure = await failureOf(client, post);
    assert.equal(isUpstreamFailure(failure, 'product'), false);
    assert.equal(isUpstreamFailure(failure), true);
    assert.ok(failure instanceof AppError, 'existing callers still see the 503 AppError they handle');
    assert.equal(isUpstreamFailure(PlatformErrors.upstreamUnavailable()), false);
    assert.equal(isUpstreamFailure(new Error('upstream answered 503')), false);
  });
});
