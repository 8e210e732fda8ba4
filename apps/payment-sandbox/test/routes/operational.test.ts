import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '@shop/platform';
import type { ServiceUnderTest } from '@shop/testing';
import { startPaymentSandbox } from '../helper.ts';

let ctx: ServiceUnderTest<Service>;
before(async () => {
  ctx = await startPaymentSandbox();
});
after(() => ctx.close());

test('when the service is up, then health, readiness, metrics and the OpenAPI document of its API answer', async () => {
  await ctx.http.get('/health').expect(200);
  await ctx.http.get('/ready').expect(200);
  const doc = await ctx.app.inject({ method: 'GET', url: '/openapi.json' });
  const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
  for (const path of ['/v1/charges/', '/v1/charges/{id}', '/v1/refunds/'])
    assert.ok(paths.includes(path), path);
  const metrics = await ctx.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  assert.match(metrics.body, /http_request_duration_seconds/);
});
