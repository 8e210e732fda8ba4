import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Counter } from 'prom-client';
import { Type } from 'typebox';
import type { Service } from '../../src/index.ts';
import { buildTestService } from '../support/test-service.ts';

let app: Service;
let scrape: string;

function sample(name: string, labels: Record<string, string>): number | undefined {
  for (const line of scrape.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

before(async () => {
  ({ app } = await buildTestService(async (service) => {
    const cacheHits = new Counter({
      name: 'product_cache_hits_total',
      help: 'Cache hits',
      registers: [service.metrics],
    });
    service
      .withTypeProvider<TypeBoxTypeProvider>()
      .get('/products/:id', { schema: { params: Type.Object({ id: Type.Integer() }) } }, async (request) => {
        cacheHits.inc();
        return { id: request.params.id };
      });
    service.get('/fail', async () => {
      throw new Error('boom');
    });
  }));
  for (const id of [1, 2, 3]) await app.inject({ method: 'GET', url: `/products/${id}` });
  await app.inject({ method: 'GET', url: '/products/not-a-number' });
  await app.inject({ method: 'GET', url: '/fail' });
  await app.inject({ method: 'GET', url: '/no/such/route' });
  await app.inject({ method: 'GET', url: '/health' });
  await app.inject({ method: 'GET', url: '/ready' });
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  scrape = response.body;
});
after(() => app.close());

describe('metrics', () => {
  test('when routes were called, then the duration histogram counts them by route template, method and status', () => {
    const ok = { route: '/products/:id', method: 'GET', status_code: '200', service: 'test' };
    assert.equal(sample('http_request_duration_seconds_count', ok), 3);
    assert.equal(sample('http_request_duration_seconds_bucket', { ...ok, le: '+Inf' }), 3);
    assert.ok((sample('http_request_duration_seconds_sum', ok) ?? -1) >= 0);
    assert.equal(
      sample('http_request_duration_seconds_count', { route: '/products/:id', status_code: '400' }),
      1,
    );
    assert.doesNotMatch(scrape, /route="\/products\/1"/, 'raw paths must not become label values');
  });

  test('when a route fails, then its errors are counted under their status', () => {
    assert.equal(sample('http_request_duration_seconds_count', { route: '/fail', status_code: '500' }), 1);
  });

  test('when no route matches, then the request is counted under one shared label, not its path', () => {
    assert.doesNotMatch(scrape, /\/no\/such\/route/);
    assert.equal(sample('http_request_duration_seconds_count', { status_code: '404' }), 1);
  });

  test('when probes and scrapes happen, then they are not counted as traffic', () => {
    assert.doesNotMatch(scrape, /route="\/health"|route="\/ready"|route="\/metrics"/);
  });

  test('when scraped, then process and runtime metrics are included', () => {
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.match(scrape, new RegExp(`^${name}\\{`, 'm'), `${name} is missing`);
    }
  });

  test('when a service registers its own metric on app.metrics, then the scrape includes it', () => {
    assert.equal(sample('product_cache_hits_total', { service: 'test' }), 3);
  });
});
