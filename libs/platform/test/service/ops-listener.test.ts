import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { Agent, request } from 'undici';
import type { Service } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';

let app: Service;
let publicUrl: string;
let opsUrl: string;

async function get(url: string) {
  const response = await request(url);
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

before(async () => {
  ({ app } = await buildTestService(async (service) => {
    service.get(
      '/api/v1/items/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String() }),
          response: { 200: Type.Object({ id: Type.String() }) },
        },
      },
      async (req) => ({ id: (req.params as { id: string }).id }),
    );
    service.put(
      '/internal/v1/stock/:id',
      { schema: { params: Type.Object({ id: Type.String() }) } },
      async () => ({ held: true }),
    );
    service.get('/debug/state', { config: { operational: true } }, async () => ({ secret: 'ops only' }));
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  app.opsServer.listen({ host: '127.0.0.1', port: 0 });
  await once(app.opsServer, 'listening');
  publicUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  opsUrl = `http://127.0.0.1:${(app.opsServer.address() as AddressInfo).port}`;
});
after(() => app.close());

describe('the operational listener', () => {
  test('when /metrics is requested on the public listener, then it is a 404 problem; on the ops listener, the scrape', async () => {
    const hidden = await get(`${publicUrl}/metrics`);
    assert.equal(hidden.status, 404);
    assert.match(String(hidden.headers['content-type']), /^application\/problem\+json/);
    assert.doesNotMatch(hidden.text, /process_cpu_seconds_total/);

    const scrape = await get(`${opsUrl}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(scrape.text, /^process_cpu_seconds_total\{/m);
  });

  test('when a route is flagged operational, then only the ops listener and inject answer it', async () => {
    assert.equal((await get(`${publicUrl}/debug/state`)).status, 404);
    assert.equal((await request(`${publicUrl}/debug/state`, { method: 'HEAD' })).statusCode, 404);
    assert.deepEqual(JSON.parse((await get(`${opsUrl}/debug/state`)).text), { secret: 'ops only' });
    assert.equal((await app.inject({ method: 'GET', url: '/debug/state' })).statusCode, 200);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/metrics' })).statusCode,
      200,
      'tests scrape by inject',
    );
  });

  test('when probes and API routes are requested, then both listeners answer them', async () => {
    for (const base of [publicUrl, opsUrl]) {
      assert.equal((await get(`${base}/health`)).status, 200, base);
      assert.equal((await get(`${base}/ready`)).status, 200, base);
      assert.equal((await get(`${base}/api/v1/items/7`)).status, 200, base);
    }
  });

  test('when /openapi.json is requested, then the public one leaves out /internal routes and the ops one has them', async () => {
    const publicDocument = JSON.parse((await get(`${publicUrl}/openapi.json`)).text);
    assert.ok(publicDocument.paths['/api/v1/items/{id}']);
    assert.deepEqual(
      Object.keys(publicDocument.paths).filter((path) => path.startsWith('/internal')),
      [],
      'internal routes are not part of the public API',
    );
    const opsDocument = JSON.parse((await get(`${opsUrl}/openapi.json`)).text);
    assert.ok(opsDocument.paths['/internal/v1/stock/{id}']?.put, 'the ops document describes them');
    assert.ok(opsDocument.paths['/api/v1/items/{id}']);
    for (const document of [publicDocument, opsDocument]) {
      assert.equal(document.paths['/debug/state'], undefined, 'operational endpoints are no API');
    }
  });
});

describe('closing the service', () => {
  test('when the service closes with an idle keep-alive connection on the ops listener, then both listeners stop', async () => {
    const { app: closing } = await buildTestService();
    await closing.listen({ host: '127.0.0.1', port: 0 });
    closing.opsServer.listen({ host: '127.0.0.1', port: 0 });
    await once(closing.opsServer, 'listening');
    const ops = `http://127.0.0.1:${(closing.opsServer.address() as AddressInfo).port}`;
    const pub = `http://127.0.0.1:${(closing.server.address() as AddressInfo).port}`;
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      await (await request(`${ops}/metrics`, { dispatcher: agent })).body.dump();
      await closing.close();
      assert.equal(closing.opsServer.listening, false);
      await assert.rejects(request(`${ops}/health`), /ECONNREFUSED/);
      await assert.rejects(request(`${pub}/health`), /ECONNREFUSED/);
    } finally {
      await agent.close();
    }
  });
});
