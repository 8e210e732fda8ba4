import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { RequestDurationHistogram } from '../../src/metrics/request-duration.histogram.ts';

const NAME = 'http_request_duration_seconds';
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// One sample per line, its labels sorted, so two expositions compare whatever order they print labels in.
function samples(exposition: string): string[] {
  return exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = /^(\w+)(?:\{(.*)\})? (.+)$/.exec(line)!;
      return `${name}{${labels.split(',').sort().join(',')}} ${value}`;
    })
    .sort();
}

function bothHistograms() {
  const reference = new Registry();
  const ours = new Registry();
  for (const registry of [reference, ours]) registry.setDefaultLabels({ service: 'orders' });
  const plain = new Histogram({
    name: NAME,
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers: [reference],
  });
  const fast = new RequestDurationHistogram({
    name: NAME,
    help: 'HTTP request duration by method, route template and status code',
    buckets: BUCKETS,
    registry: ours,
  });
  const observe = (method: string, route: string, status: number, seconds: number) => {
    plain.observe({ method, route, status_code: status }, seconds);
    fast.record(method, route, status, seconds);
  };
  return { reference, ours, observe };
}

describe('RequestDurationHistogram', () => {
  test('when requests are recorded, then the scrape is the one prom-client writes for the same observations', async () => {
    const { reference, ours, observe } = bothHistograms();
    const seconds = [0, 0.0004, 0.005, 0.0051, 0.07, 0.25, 1.5, 10, 12.5];
    for (const [i, value] of seconds.entries()) {
      observe('GET', '/products/:id', 200, value);
      observe(i % 2 ? 'POST' : 'GET', '/orders', i % 3 ? 201 : 409, value);
    }
    observe('GET', 'unmatched', 404, 0.001);
    observe('DELETE', '/a "quoted" \\ route', 500, 0.2);

    const expected = samples(await reference.metrics());
    assert.ok(expected.length > 50, 'the comparison covers many samples');
    assert.deepEqual(samples(await ours.metrics()), expected);
    // The JSON view too, in any order (exemplars are off, so prom-client's null placeholders are left out).
    const json = async (registry: Registry) =>
      (await registry.getMetricsAsJSON())[0]!.values
        .map((point) => {
          const sorted = Object.entries(point.labels).sort(([a], [b]) => a.localeCompare(b));
          return JSON.stringify([(point as { metricName?: string }).metricName, sorted, point.value]);
        })
        .sort();
    assert.deepEqual(await json(ours), await json(reference));
  });

  test('when the registry is reset, then the recorded series are gone', async () => {
    const { ours, observe } = bothHistograms();
    observe('GET', '/products/:id', 200, 0.01);
    ours.resetMetrics();
    assert.deepEqual(samples(await ours.metrics()), []);
  });
});
