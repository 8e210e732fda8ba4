import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSessionFetch } from '../src/lib/refresh-queue.ts';

/** A server that accepts only `valid` as the bearer token and records what it saw. */
function fakeServer() {
  const state = { valid: 'token-2', seen: [] as { auth: string | null; body: string }[] };
  const fetch = async (request: Request) => {
    const body = await request.text();
    const auth = request.headers.get('authorization');
    state.seen.push({ auth, body });
    return new Response(auth === `Bearer ${state.valid}` ? 'ok' : 'no', {
      status: auth === `Bearer ${state.valid}` ? 200 : 401,
    });
  };
  return { state, fetch };
}

describe('createSessionFetch', () => {
  it('replays a 401 once with the refreshed token, body and all', async () => {
    const server = fakeServer();
    let token = 'token-1';
    const sessionFetch = createSessionFetch({
      fetch: server.fetch,
      getToken: () => token,
      refresh: async () => (token = 'token-2'),
    });
    const response = await sessionFetch(
      new Request('http://shop/api/v1/cart', { method: 'POST', body: '{"a":1}' }),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(server.state.seen, [
      { auth: 'Bearer token-1', body: '{"a":1}' },
      { auth: 'Bearer token-2', body: '{"a":1}' },
    ]);
  });

  it('makes one refresh for many requests failing at once, and replays each of them', async () => {
    const server = fakeServer();
    let token = 'token-1';
    let refreshes = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sessionFetch = createSessionFetch({
      fetch: server.fetch,
      getToken: () => token,
      refresh: async () => {
        refreshes += 1;
        await gate;
        return (token = 'token-2');
      },
    });
    const pending = Array.from({ length: 5 }, (_, i) => sessionFetch(new Request(`http://shop/${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const statuses = (await Promise.all(pending)).map((response) => response.status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.equal(refreshes, 1);
    // Then a later expiry gets a refresh of its own.
    server.state.valid = 'token-3';
    const later = createSessionFetch({
      fetch: server.fetch,
      getToken: () => token,
      refresh: async () => 'token-3',
    });
    assert.equal((await later(new Request('http://shop/x'))).status, 200);
  });

  it('gives the 401 back when the refresh ends the session, and never refreshes for a signed-out caller', async () => {
    const server = fakeServer();
    let refreshes = 0;
    const expired = createSessionFetch({
      fetch: server.fetch,
      getToken: () => 'token-1',
      refresh: async () => {
        refreshes += 1;
        return undefined;
      },
    });
    assert.equal((await expired(new Request('http://shop/a'))).status, 401);
    const signedOut = createSessionFetch({
      fetch: server.fetch,
      getToken: () => undefined,
      refresh: async () => {
        refreshes += 1;
        return 'token-2';
      },
    });
    assert.equal((await signedOut(new Request('http://shop/b'))).status, 401);
    assert.equal(refreshes, 1);
    assert.equal(server.state.seen[1]!.auth, null);
  });

  it('replays once at most: a 401 with the new token is the answer', async () => {
    const server = fakeServer();
    server.state.valid = 'never';
    const sessionFetch = createSessionFetch({
      fetch: server.fetch,
      getToken: () => 'token-1',
      refresh: async () => 'token-2',
    });
    assert.equal((await sessionFetch(new Request('http://shop/a'))).status, 401);
    assert.equal(server.state.seen.length, 2);
  });
});
