import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError, ServiceClient, ServiceTokenSource } from '../../src/index.ts';
import { type Hit, json, startUpstream } from '../support/upstream-server.ts';

const START = Date.parse('2026-12-02T10:00:00Z');
const LIFETIME_S = 300;

/** A token endpoint that counts its requests and answers token-<n>, valid for five minutes. */
async function startTokenEndpoint(t: { after(fn: () => Promise<unknown>): void }) {
  let issued = 0;
  const state = { down: false, refuse: false };
  const endpoint = await startUpstream((_hit, response) => {
    if (state.refuse) return json(response, 401, { error: 'invalid_client', error_description: 'no' });
    if (state.down) return json(response, 503, { code: 'DOWN' });
    issued += 1;
    json(response, 200, {
      access_token: `token-${issued}`,
      token_type: 'Bearer',
      expires_in: LIFETIME_S,
      scope: 'x:y',
    });
  });
  t.after(() => endpoint.close());
  const clock = { now: START };
  const source = new ServiceTokenSource({
    tokenUrl: `${endpoint.baseUrl}/api/v1/auth/oauth/token`,
    clientId: 'order',
    clientSecret: 's3cret:with/odd chars',
    timeoutMs: 1_000,
    now: () => clock.now,
    random: () => 0,
  });
  t.after(() => source.close());
  // Token requests only: the upstream's hits are counted by whoever looks.
  const tokenRequests = () => endpoint.hits.filter((hit) => hit.url === '/api/v1/auth/oauth/token');
  return { endpoint, source, clock, state, tokenRequests };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

// A background renewal finishes after the call that started it: poll for what it leads to, bounded.
async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('service token source', () => {
  test('when 100 calls need a token at once, then one request fetches it and all get the same token', async (t) => {
    const { source, tokenRequests } = await startTokenEndpoint(t);
    const tokens = await Promise.all(Array.from({ length: 100 }, () => source.token('product')));
    assert.deepEqual(new Set(tokens), new Set(['token-1']));
    assert.equal(tokenRequests().length, 1);
  });

  test('when it asks for a token, then it authenticates with client_secret_basic and names the audience', async (t) => {
    const { source, tokenRequests } = await startTokenEndpoint(t);
    await source.token('product');
    const [hit] = tokenRequests() as [Hit];
    assert.equal(hit.method, 'POST');
    const basic = String(hit.headers.authorization).replace(/^Basic /, '');
    const [id, secret] = Buffer.from(basic, 'base64').toString().split(':');
    assert.equal(decodeURIComponent(id!), 'order');
    assert.equal(decodeURIComponent(secret!.replaceAll('+', ' ')), 's3cret:with/odd chars');
    assert.deepEqual(JSON.parse(hit.body), { grant_type: 'client_credentials', audience: 'product' });
  });

  test('when a token is cached, then later calls reuse it until its renewal point, per audience', async (t) => {
    const { source, clock, tokenRequests } = await startTokenEndpoint(t);
    assert.equal(await source.token('product'), 'token-1');
    clock.now += 200_000;
    assert.equal(await source.token('product'), 'token-1');
    assert.equal(tokenRequests().length, 1);
    assert.equal(await source.token('order'), 'token-2', 'another audience has a token of its own');
    assert.equal(tokenRequests().length, 2);
  });

  test('when a token passes its renewal point, then the call gets it at once and a new one is fetched behind it', async (t) => {
    const { source, clock, tokenRequests } = await startTokenEndpoint(t);
    await source.token('product');
    // random() = 0: renewed at 80% of the lifetime.
    clock.now += 0.8 * LIFETIME_S * 1000 + 1;
    assert.equal(await source.token('product'), 'token-1', 'still valid, so no wait');
    await until('the renewed token', async () => (await source.token('product')) === 'token-2');
    assert.equal(tokenRequests().length, 2);
  });

  test('when the jitter draws its maximum, then the renewal comes earlier, by up to a tenth of the lifetime', async (t) => {
    const endpoint = await startUpstream((_hit, response) =>
      json(response, 200, {
        access_token: `t-${endpoint.hits.length}`,
        token_type: 'Bearer',
        expires_in: 300,
      }),
    );
    t.after(() => endpoint.close());
    let now = START;
    const source = new ServiceTokenSource({
      tokenUrl: `${endpoint.baseUrl}/token`,
      clientId: 'order',
      clientSecret: 'x',
      now: () => now,
      random: () => 1,
    });
    t.after(() => source.close());
    await source.token('product');
    now += 0.7 * 300_000 - 1;
    assert.equal(await source.token('product'), 't-1');
    assert.equal(await source.token('order'), 't-2', 'a fetch of its own, after any renewal started');
    assert.equal(endpoint.hits.length, 2, 'before 70%: no renewal of the product token');
    now += 2;
    await source.token('product');
    await until('the renewal past 70%', () => endpoint.hits.length === 3);
  });

  test('when the auth service is down but the cached token is still valid, then it keeps being served', async (t) => {
    const { source, clock, state, endpoint } = await startTokenEndpoint(t);
    await source.token('product');
    state.down = true;
    clock.now += 280_000;
    assert.equal(await source.token('product'), 'token-1');
    await until('the failed renewal', () => endpoint.hits.length >= 2);
    assert.equal(await source.token('product'), 'token-1', 'the failed renewal kept the old token');
  });

  test('when the auth service is down and the cached token is about to expire, then a 503 AppError says so', async (t) => {
    const { source, clock, state } = await startTokenEndpoint(t);
    await source.token('product');
    state.down = true;
    // Within the last 5 s a token could expire on its way to the callee, so it is no longer handed out.
    clock.now += LIFETIME_S * 1000 - 4_000;
    const error = await rejection(source.token('product'));
    assert.equal(error.status, 503);
    assert.equal(error.code, 'PLATFORM_ERR_UPSTREAM_UNAVAILABLE');
    assert.match(error.message, /No service token for the product service/);
    assert.equal(error.headers['retry-after'], '1');
  });

  test('when the auth service cannot be reached and no token is cached, then a 503 AppError', async (t) => {
    const { source, endpoint } = await startTokenEndpoint(t);
    await endpoint.close();
    const error = await rejection(source.token('product'));
    assert.equal(error.status, 503);
    assert.match(error.message, /auth service cannot issue one now/);
  });

  test('when the auth service refuses the client, then a 503 AppError names the settings to check', async (t) => {
    const { source, state } = await startTokenEndpoint(t);
    state.refuse = true;
    const error = await rejection(source.token('product'));
    assert.equal(error.status, 503);
    assert.match(error.message, /invalid_client/);
    assert.match(error.message, /SERVICE_CLIENT_ID \(order\) and SERVICE_CLIENT_SECRET/);
  });

  test('when a token is invalidated, then the next call fetches a new one; another token is not forgotten', async (t) => {
    const { source, tokenRequests } = await startTokenEndpoint(t);
    await source.token('product');
    source.invalidate('product', 'some-older-token');
    assert.equal(await source.token('product'), 'token-1');
    source.invalidate('product', 'token-1');
    assert.equal(await source.token('product'), 'token-2');
    assert.equal(tokenRequests().length, 2);
  });
});

describe('service client with service tokens', () => {
  async function setUp(t: { after(fn: () => Promise<unknown>): void }) {
    const tokens = await startTokenEndpoint(t);
    const accepted = new Set(['token-2', 'token-3']);
    const callee = await startUpstream((hit, response) => {
      const token = String(hit.headers.authorization).replace(/^Bearer /, '');
      if (!accepted.has(token)) return json(response, 401, { code: 'PLATFORM_ERR_UNAUTHORIZED' });
      json(response, 200, { token });
    });
    t.after(() => callee.close());
    const client = new ServiceClient({
      name: 'product',
      baseUrl: callee.baseUrl,
      timeoutMs: 1_000,
      serviceToken: tokens.source.forAudience('product'),
    });
    t.after(() => client.close());
    return { ...tokens, callee, client, accepted };
  }

  test('when a request is sent, then it carries the service token as a bearer token', async (t) => {
    const { client, callee, accepted } = await setUp(t);
    accepted.add('token-1');
    const response = await client.request({ method: 'GET', path: '/internal/v1/stock/1' });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { token: 'token-1' });
    assert.equal(callee.hits[0]?.headers.authorization, 'Bearer token-1');
    assert.equal('token' in response, false, "the answer is the callee's only");
  });

  test('when the callee answers 401, then the token is dropped and the request repeated once with a new one, a POST too', async (t) => {
    const { client, callee, tokenRequests } = await setUp(t);
    const response = await client.request({ method: 'POST', path: '/internal/v1/do', body: { a: 1 } });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { token: 'token-2' });
    assert.equal(callee.hits.length, 2);
    assert.equal(tokenRequests().length, 2);
  });

  test('when the callee refuses the new token too, then its 401 is returned and nothing more is sent', async (t) => {
    const { client, callee, accepted } = await setUp(t);
    accepted.clear();
    const response = await client.request({ method: 'GET', path: '/internal/v1/stock/1' });
    assert.equal(response.status, 401);
    assert.equal(callee.hits.length, 2);
  });

  test('when no token can be had, then the request fails with 503 before reaching the callee, and its breaker stays closed', async (t) => {
    const { client, callee, state } = await setUp(t);
    state.down = true;
    for (let i = 0; i < 6; i += 1) {
      const error = await rejection(client.request({ method: 'GET', path: '/internal/v1/stock/1' }));
      assert.equal(error.status, 503);
    }
    assert.equal(callee.hits.length, 0);
    assert.equal(client.breakerState, 'Closed');
  });
});
