import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problemResponses, ServiceClient } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';
import { json, startUpstream } from '../support/upstream-server.ts';

const ipRoute = async (service: FastifyInstance) => {
  service.get('/ip', async (request) => ({ ip: request.ip }));
};

async function ipSeen(app: FastifyInstance, remoteAddress: string, forwardedFor: string): Promise<string> {
  const response = await app.inject({
    method: 'GET',
    url: '/ip',
    remoteAddress,
    headers: { 'x-forwarded-for': forwardedFor },
  });
  return response.json().ip;
}

describe('buildService', () => {
  test('when a handler calls another service after async hooks, then the inbound request id travels with the call', async (t) => {
    const upstream = await startUpstream((_hit, response) => json(response, 200, { ok: true }));
    const payment = new ServiceClient({ name: 'payment', baseUrl: upstream.baseUrl });
    const { app } = await buildTestService(async (service) => {
      const slowGuard = async () => {
        await sleep(5);
      };
      service.post('/checkout', { preHandler: [slowGuard, slowGuard] }, async () => {
        await sleep(5);
        const answer = await payment.request({
          method: 'POST',
          path: '/payments',
          idempotencyKey: 'k-1',
          body: {},
        });
        return { paid: answer.status === 200 };
      });
    });
    t.after(async () => {
      await app.close();
      await payment.close();
      await upstream.close();
    });

    const response = await app.inject({
      method: 'POST',
      url: '/checkout',
      headers: { 'x-request-id': 'chk-1' },
      payload: {},
    });
    assert.equal(response.statusCode, 200);
    const generated = await app.inject({ method: 'POST', url: '/checkout', payload: {} });
    assert.deepEqual(
      upstream.hits.map((hit) => hit.headers['x-request-id']),
      ['chk-1', generated.headers['x-request-id']],
    );
  });

  test('when the log level is debug, then every request gets a completion line; at info, none', async (t) => {
    const routes = async (service: FastifyInstance) => {
      service.get('/items/:id', async () => ({ ok: true }));
    };
    const debug = await buildTestService(routes, { logLevel: 'debug' });
    const info = await buildTestService(routes, { logLevel: 'info' });
    t.after(() => Promise.all([debug.app.close(), info.app.close()]));
    for (const { app } of [debug, info]) {
      const response = await app.inject({
        method: 'GET',
        url: '/items/7',
        headers: { 'x-request-id': 'r-7' },
      });
      assert.equal(response.statusCode, 200);
    }
    const [line] = debug.logs.withMessage('request completed');
    assert.equal(line?.['requestId'], 'r-7');
    assert.equal(line?.['status'], 200);
    assert.equal(line?.['url'], '/items/7');
    assert.equal(typeof line?.['ms'], 'number');
    assert.deepEqual(info.logs.withMessage('request completed'), []);
  });

  test('when routes declare schemas, then /openapi.json documents them and hides the platform endpoints', async (t) => {
    const { app } = await buildTestService(
      async (service) => {
        service.get(
          '/products/:id',
          {
            schema: {
              summary: 'Get one product',
              params: Type.Object({ id: Type.String() }),
              response: { 200: Type.Object({ id: Type.String() }), ...problemResponses(404) },
            },
          },
          async () => ({ id: 'p-1' }),
        );
      },
      { name: 'product', version: '2.3.0' },
    );
    t.after(() => app.close());
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.title, 'product service');
    assert.equal(document.info.version, '2.3.0');
    assert.deepEqual(Object.keys(document.paths), ['/products/{id}']);
    assert.equal(document.paths['/products/{id}'].get.summary, 'Get one product');
    assert.ok(document.paths['/products/{id}'].get.responses['404'], 'problem responses are documented');
  });

  test('when the service is closed, then its own onClose hooks run', async () => {
    let closed = false;
    const { app } = await buildTestService(async (service) => {
      service.addHook('onClose', async () => {
        closed = true;
      });
    });
    await app.ready();
    await app.close();
    assert.equal(closed, true);
  });

  test('when TRUST_PROXY is unset, then X-Forwarded-For is ignored, even from a private-network hop', async (t) => {
    const { app } = await buildTestService(ipRoute);
    t.after(() => app.close());
    assert.equal(
      await ipSeen(app, '198.51.100.7', '203.0.113.1'),
      '198.51.100.7',
      'a client cannot pick its own IP',
    );
    assert.equal(
      await ipSeen(app, '10.0.3.4', '203.0.113.9'),
      '10.0.3.4',
      'behind an L4 load balancer a private address may be a client too',
    );
    assert.equal(await ipSeen(app, '127.0.0.1', '203.0.113.9'), '127.0.0.1');
  });

  test('when TRUST_PROXY names the proxies, then only their X-Forwarded-For is believed', async (t) => {
    const { app } = await buildTestService(ipRoute, { trustProxy: '10.0.0.0/8, 192.0.2.1' });
    t.after(() => app.close());
    assert.equal(await ipSeen(app, '10.0.3.4', '203.0.113.9'), '203.0.113.9', 'the ingress names the client');
    assert.equal(
      await ipSeen(app, '10.0.3.4', '203.0.113.66, 203.0.113.9'),
      '203.0.113.9',
      'entries the client prepended are ignored',
    );
    assert.equal(
      await ipSeen(app, '192.0.2.1', '10.9.9.9, 203.0.113.5'),
      '203.0.113.5',
      'proxy chains are walked',
    );
    assert.equal(
      await ipSeen(app, '172.16.0.5', '203.0.113.1'),
      '172.16.0.5',
      'a hop not listed is the client',
    );
  });

  test('when settings carry a TRUST_PROXY that would trust anyone, then the service is not built', async () => {
    await assert.rejects(
      buildTestService(ipRoute, { trustProxy: 'true' }),
      /TRUST_PROXY="true": .* list the addresses/,
    );
  });

  test('when any response is sent, then it carries X-Content-Type-Options: nosniff', async (t) => {
    const { app } = await buildTestService(async (service) => {
      service.get('/items/:id', { schema: { params: Type.Object({ id: Type.Integer() }) } }, async () => ({
        ok: true,
      }));
      service.get('/fail', async () => {
        throw new Error('boom');
      });
    });
    t.after(() => app.close());
    for (const url of [
      '/items/1',
      '/items/x',
      '/fail',
      '/no/such/route',
      '/items/%zz',
      '/health',
      '/ready',
      '/metrics',
      '/openapi.json',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.headers['x-content-type-options'], 'nosniff', `${url} (${response.statusCode})`);
    }
    const tooLarge = await app.inject({
      method: 'POST',
      url: '/items/1',
      payload: { blob: 'x'.repeat(10_000) },
    });
    assert.equal(tooLarge.headers['x-content-type-options'], 'nosniff', `413 (${tooLarge.statusCode})`);
  });

  test('when the URL cannot be decoded, then the answer is a 400 problem with the request id', async (t) => {
    const { app } = await buildTestService(async (service) => {
      service.get('/items/:id', async () => ({ ok: true }));
    });
    t.after(() => app.close());
    const response = await app.inject({
      method: 'GET',
      url: '/items/%zz',
      headers: { 'x-request-id': 'bad-url-1' },
    });
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(response.headers['x-request-id'], 'bad-url-1');
    assert.equal(response.json().requestId, 'bad-url-1');
  });
});
