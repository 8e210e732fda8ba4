import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { getRedis, startRedisServer, uniqueKeyPrefix } from '../src/index.ts';

function connect(url: string): Redis {
  // No reconnects or offline queue: a command against a stopped server must fail instead of waiting.
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  return client;
}

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

describe('Redis test server', () => {
  it('when the server is requested, then SET and GET round-trip a value', async () => {
    const { url } = await getRedis();
    const client = connect(url);
    await client.connect();
    const key = `${uniqueKeyPrefix('roundtrip')}greeting`;
    await client.set(key, 'hello', 'EX', 60);
    assert.equal(await client.get(key), 'hello');
    client.disconnect();
  });

  it('when two key prefixes are requested with the same label, then they differ and keep the label', () => {
    const first = uniqueKeyPrefix('Product Cache');
    const second = uniqueKeyPrefix('Product Cache');
    assert.notEqual(first, second);
    assert.match(first, /^test:product_cache:[0-9a-f]{10}:$/);
  });

  describe('a dedicated server', async () => {
    const server = await startRedisServer();
    after(() => server.dispose());

    it('when it is stopped, then its port refuses connections, and when started again, then it answers there', async () => {
      const before = connect(server.url);
      await before.connect();
      await before.set('survives-restart', 'no');
      before.disconnect();

      await server.stop();
      await assert.rejects(tcpConnect(server.port), /ECONNREFUSED/);

      await server.start();
      const afterRestart = connect(server.url);
      await afterRestart.connect();
      assert.equal(afterRestart.options.port, server.port);
      assert.equal(await afterRestart.ping(), 'PONG');
      // Proof that a fresh process answers: nothing is persisted across the outage.
      assert.equal(await afterRestart.get('survives-restart'), null);
      afterRestart.disconnect();
    });

    it('when it is disposed, then its port refuses connections', async () => {
      const other = await startRedisServer();
      await other.dispose();
      await assert.rejects(tcpConnect(other.port), /ECONNREFUSED/);
    });
  });
});
