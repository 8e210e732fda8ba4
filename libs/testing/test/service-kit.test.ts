import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';
import {
  createTestSigningKey,
  eventually,
  startServiceUnderTest,
  startTestAuth,
  startTestJwks,
  TestClock,
} from '../src/index.ts';

describe('eventually', () => {
  test('when the probe passes after a few tries, then its value is returned', async () => {
    let calls = 0;
    const value = await eventually('the third call', () => (++calls >= 3 ? `call ${calls}` : false), {
      intervalMs: 1,
    });
    assert.equal(value, 'call 3');
  });

  test('when an assertion-style probe keeps failing, then it gives up naming what it waited for and the last failure', async () => {
    await assert.rejects(
      eventually('the impossible', () => assert.equal(1, 2), { timeoutMs: 50, intervalMs: 5 }),
      (error: Error) => /waiting for the impossible \(last failure: .*1 !== 2/s.test(error.message),
    );
  });
});

test('when a TestClock advances, then now() moves by exactly that much and never by itself', () => {
  const clock = new TestClock(new Date('2030-01-01T00:00:00Z'));
  const { now } = clock;
  assert.equal(now().toISOString(), '2030-01-01T00:00:00.000Z');
  clock.advance(90_000);
  assert.equal(now().toISOString(), '2030-01-01T00:01:30.000Z');
  assert.throws(() => clock.advance(-1), /duration >= 0/);
});

describe('test tokens', () => {
  test('when a token is minted by the test auth, then it verifies against its JWKS with its issuer and audience', async () => {
    const auth = await startTestAuth({ issuer: 'https://auth.kit', audience: 'kit-api' });
    try {
      const token = await auth.token(['admin']);
      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(auth.jwksUrl)), {
        issuer: 'https://auth.kit',
        audience: 'kit-api',
        typ: 'at+jwt',
      });
      assert.deepEqual(payload.roles, ['admin']);
      assert.ok(payload.jti && payload.sub);
      assert.equal(protectedHeader.kid, auth.key.kid);
      assert.match((await auth.bearer(['customer'])).authorization, /^Bearer ey/);
    } finally {
      await auth.close();
    }
  });

  test('when a token asks for another shape, then it gets it (no jti, another typ, expired)', async () => {
    const key = await createTestSigningKey({ issuer: 'https://i', audience: 'a' });
    const token = await key.sign({ sub: 'u-1' }, { jti: null, typ: 'JWT', expiresIn: 1 });
    assert.equal(decodeProtectedHeader(token).typ, 'JWT');
    await assert.rejects(jwtVerify(token, createLocalJWKSet({ keys: [key.publicJwk] })), /exp/);
    assert.equal(key.privateJwk.kid, key.kid);
    assert.ok(key.privateJwk.d, 'the private JWK carries the private part');
  });

  test('when the JWKS server is told to serve other keys, then it does, and it counts its fetches', async () => {
    const jwks = await startTestJwks([]);
    try {
      const key = await createTestSigningKey({ issuer: 'https://i', audience: 'a' });
      jwks.serve([key.publicJwk]);
      const body = (await (await fetch(jwks.url)).json()) as { keys: { kid: string }[] };
      assert.deepEqual(
        body.keys.map((k) => k.kid),
        [key.kid],
      );
      assert.equal(jwks.fetches, 1);
    } finally {
      await jwks.close();
    }
  });
});

test('when a service is started under test, then it runs on a fresh migrated database, answers over HTTP, and closing drops everything', async () => {
  const closed: string[] = [];
  const sut = await startServiceUnderTest(
    {
      database: 'kit-sut',
      migrate: async (url) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query("CREATE TABLE greetings (text text); INSERT INTO greetings VALUES ('hello')");
        await client.end();
      },
      start: async (databaseUrl, env) => {
        const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
        const server = createServer(async (_request, response) => {
          const { rows } = await pool.query<{ text: string }>('SELECT text FROM greetings');
          response.end(`${rows[0]?.text} from ${env['NAME'] ?? 'nobody'}`);
        });
        return {
          server,
          ready: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
          close: async () => {
            closed.push(env['NAME'] ?? 'nobody');
            await new Promise((resolve) => server.close(resolve));
            await pool.end();
          },
        };
      },
    },
    { NAME: 'first' },
  );
  sut.onClose(async () => void closed.push('extra'));
  const replica = await sut.startReplica({ NAME: 'second' });
  assert.equal((await sut.http.get('/').expect(200)).text, 'hello from first');
  assert.ok(replica.server.listening);
  assert.deepEqual(await sut.sql('SELECT count(*)::int AS n FROM greetings'), [{ n: 1 }]);

  await sut.close();
  assert.deepEqual(closed.sort(), ['extra', 'first', 'second']);
  const admin = new pg.Client({ connectionString: sut.databaseUrl.replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
  await admin.connect();
  const name = new URL(sut.databaseUrl).pathname.slice(1);
  const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  await admin.end();
  assert.equal(rows.length, 0, 'the database is dropped');
});
