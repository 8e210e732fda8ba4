import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestService } from '../support/test-service.ts';

async function serviceWithChecks(checks: Record<string, () => Promise<unknown>>) {
  const { app } = await buildTestService(async () => {}, { readinessCheckTimeoutMs: 200 });
  for (const [name, check] of Object.entries(checks)) app.readiness.addCheck(name, check);
  return app;
}

describe('health and readiness', () => {
  test('when every dependency answers, then /ready is 200 and reports each check as up', async (t) => {
    const app = await serviceWithChecks({ postgres: async () => 'ok', redis: async () => undefined });
    t.after(() => app.close());
    const response = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ready', checks: { postgres: 'up', redis: 'up' } });
  });

  test('when a dependency check fails, then /ready is 503 and names it, while /health stays 200', async (t) => {
    const app = await serviceWithChecks({
      postgres: async () => 'ok',
      redis: async () => {
        throw new Error('ECONNREFUSED');
      },
    });
    t.after(() => app.close());
    const response = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), { status: 'degraded', checks: { postgres: 'up', redis: 'down' } });
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });

  test('when a check throws synchronously, then it counts as down instead of failing the probe', async (t) => {
    const app = await serviceWithChecks({
      kafka: (() => {
        throw new Error('not connected');
      }) as () => Promise<unknown>,
    });
    t.after(() => app.close());
    const response = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().checks.kafka, 'down');
  });

  test('when a check hangs, then /ready answers 503 once the check timeout passes', async (t) => {
    const app = await serviceWithChecks({ postgres: () => new Promise(() => {}), redis: async () => 'ok' });
    t.after(() => app.close());
    const response = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json().checks, { postgres: 'down', redis: 'up' });
  });

  test('when the service has not finished starting, then readiness says starting', async (t) => {
    const { app } = await buildTestService();
    t.after(() => app.close());
    assert.equal(app.readiness.state, 'starting');
    await app.ready();
    assert.equal(app.readiness.state, 'ready');
  });

  test('when the service is draining, then /ready is 503 even though checks pass, and /health stays 200', async (t) => {
    const app = await serviceWithChecks({ postgres: async () => 'ok' });
    t.after(() => app.close());
    assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
    app.readiness.setDraining();
    const response = await app.inject({ method: 'GET', url: '/ready' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().status, 'draining');
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });

  test('when no dependency is registered, then a ready service is ready', async (t) => {
    const app = await serviceWithChecks({});
    t.after(() => app.close());
    assert.deepEqual((await app.inject({ method: 'GET', url: '/ready' })).json(), {
      status: 'ready',
      checks: {},
    });
  });
});
