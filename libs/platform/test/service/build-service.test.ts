import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problemResponses, ServiceClient } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';
import { json, startUpstream } from '../support/upstream-server.ts';

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

  test('when X-Forwarded-For comes from a public client, then it is ignored; from a private-network proxy, it is used', async (t) => {
    const { app } = await buildTestService(async (service) => {
      service.get('/ip', async (request) => ({ ip: request.ip }));
    });
    t.after(() => app.close());
    const ipSeen = async (remoteAddress: string, forwardedFor: string) =>
      (
        await app.inject({
          method: 'GET',
          url: '/ip',
          remoteAddress,
          headers: { 'x-forwarded-for': forwardedFor },
        })
      ).json().ip;

    assert.equal(
      await ipSeen('198.51.100.7', '203.0.113.1'),
      '198.51.100.7',
      'a client cannot pick its own IP',
    );
    assert.equal(
      await ipSeen('10.0.3.4', '203.0.113.9'),
      '203.0.113.9',
      'the gateway or ingress names the client',
    );
    assert.equal(
      await ipSeen('10.0.3.4', '203.0.113.66, 203.0.113.9'),
      '203.0.113.9',
      'entries the client prepended are ignored',
    );
    assert.equal(await ipSeen('127.0.0.1', '192.168.1.20, 203.0.113.9'), '203.0.113.9');
  });
});
