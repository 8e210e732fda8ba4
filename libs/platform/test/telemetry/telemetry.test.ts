import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { telemetrySettings } from '../../src/telemetry/telemetry.ts';
import { startFixture, type LogLine } from '../support/child-service.ts';

interface PrintedSpan {
  name: string;
  kind: number;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

const SERVER = 1;

describe('telemetrySettings', () => {
  test('when nothing is set, then traces go to OTLP and every root trace is sampled', () => {
    assert.deepEqual(telemetrySettings({}), { exporter: 'otlp', sampleRatio: 1 });
  });

  test('when the variables are empty, then they count as unset', () => {
    assert.deepEqual(telemetrySettings({ OTEL_TRACES_EXPORTER: '', OTEL_TRACES_SAMPLER_ARG: '' }), {
      exporter: 'otlp',
      sampleRatio: 1,
    });
  });

  test('when a supported exporter and a ratio are set, then they are used', () => {
    for (const exporter of ['otlp', 'jaeger', 'console', 'none'] as const) {
      assert.equal(telemetrySettings({ OTEL_TRACES_EXPORTER: exporter }).exporter, exporter);
    }
    assert.equal(telemetrySettings({ OTEL_TRACES_SAMPLER_ARG: '0.25' }).sampleRatio, 0.25);
    assert.equal(telemetrySettings({ OTEL_TRACES_SAMPLER_ARG: '0' }).sampleRatio, 0);
  });

  test('when the exporter is unknown, then it is refused with the supported list', () => {
    for (const exporter of ['zipkin', 'otlp,console', 'OTLP']) {
      assert.throws(
        () => telemetrySettings({ OTEL_TRACES_EXPORTER: exporter }),
        /is not supported: use one of otlp, jaeger, console, none/,
      );
    }
  });

  test('when the ratio is not a number between 0 and 1, then it is refused', () => {
    for (const ratio of ['1.5', '-0.1', 'half', 'NaN', 'Infinity', '0x1', ' ']) {
      assert.throws(
        () => telemetrySettings({ OTEL_TRACES_SAMPLER_ARG: ratio }),
        /must be a ratio between 0 and 1/,
        ratio,
      );
    }
  });
});

async function servedOneRequest(
  t: { after(fn: () => unknown): void },
  env: Record<string, string>,
  headers: Record<string, string> = {},
  { withBody = false } = {},
) {
  const service = startFixture('traced-service.ts', {
    PLATFORM_FIXTURE: 'traced-service',
    OTEL_TRACES_EXPORTER: 'none',
    ...env,
  });
  t.after(() => service.stop());
  const listening = await service.waitForLine('fixture listening');
  const base = `http://127.0.0.1:${String(listening['port'])}`;
  const ops = `http://127.0.0.1:${String(listening['opsPort'])}`;
  for (const probe of [`${base}/health`, `${ops}/metrics`]) await (await request(probe)).body.dump();
  const response = withBody
    ? await request(`${base}/orders`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'SKU-1', quantity: 2 }),
      })
    : await request(`${base}/orders/o-7`, { headers });
  assert.equal(response.statusCode, 200);
  await response.body.dump();
  service.signal('SIGTERM');
  const { code } = await service.exitedWithin(15);
  assert.equal(code, 0, service.stderr);
  const spans = service.lines.flatMap((l: LogLine) => (l['span'] ? [l['span'] as PrintedSpan] : []));
  return { spans, logs: service.lines, stderr: service.stderr, listening };
}

describe('startTelemetry', () => {
  test('when a request is served, then one server span names its method and route and the log line carries its trace id', async (t) => {
    const { spans, logs, stderr } = await servedOneRequest(t, {});
    const servers = spans.filter((s) => s.kind === SERVER);
    assert.deepEqual(
      servers.map((s) => [
        s.scope,
        s.name,
        s.attributes['http.route'],
        s.attributes['http.response.status_code'],
      ]),
      [['@fastify/otel', 'GET /orders/:id', '/orders/:id', 200]],
      `${JSON.stringify(spans)}\n${stderr}`,
    );
    const server = servers[0]!;

    const handled = logs.find((l) => l.msg === 'handling order');
    assert.ok(handled);
    assert.equal(handled['trace_id'], server.traceId);
    assert.ok(
      spans.some((s) => s.spanId === handled['span_id']),
      'the log line names a span of that trace',
    );
    assert.equal(stderr.trim(), '', 'telemetry must start without errors or warnings');
  });

  test('when the exporter is none, then nothing is instrumented and lines carry no trace ids, even for a traced caller', async (t) => {
    const traced = await servedOneRequest(t, {});
    assert.equal(traced.listening['httpInstrumented'], true, 'the check below can tell');
    assert.equal(traced.listening['fastifyInstrumented'], true);

    const { listening, logs, stderr } = await servedOneRequest(
      t,
      { OTEL_TRACES_EXPORTER: 'none', FIXTURE_PRINT_SPANS: 'off' },
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    );
    assert.equal(listening['httpInstrumented'], false);
    assert.equal(listening['fastifyInstrumented'], false);
    const handled = logs.find((l) => l.msg === 'handling order');
    assert.ok(handled, stderr);
    assert.equal(handled['trace_id'], undefined);
    assert.equal(handled['span_id'], undefined);
    assert.equal(stderr.trim(), '');
  });

  test('when probes and scrapes are served, then they make no spans', async (t) => {
    const { spans } = await servedOneRequest(t, {});
    assert.ok(spans.length > 0);
    const probeSpans = spans.filter((s) =>
      [s.name, s.attributes['http.target'], s.attributes['url.path'], s.attributes['http.route']].some(
        (value) => typeof value === 'string' && /\/(health|ready|metrics)\b/.test(value),
      ),
    );
    assert.deepEqual(probeSpans, []);
  });

  test('when a request is served, then Fastify adds one request span, none per hook or for the handler', async (t) => {
    const { spans } = await servedOneRequest(t, {});
    const fastifySpans = spans.filter((s) => s.scope === '@fastify/otel');
    assert.deepEqual(
      fastifySpans.map((s) => [s.name, s.attributes['http.route']]),
      [['GET /orders/:id', '/orders/:id']],
    );
    // The http instrumentation makes no second span for the same request.
    assert.deepEqual(
      spans.filter((s) => s.scope === '@opentelemetry/instrumentation-http'),
      [],
    );
  });

  test('when a handler works after reading a body, then its spans nest under the Fastify span of that request', async (t) => {
    const { spans } = await servedOneRequest(t, {}, {}, { withBody: true });
    const stored = spans.find((s) => s.name === 'store order');
    assert.ok(stored, `no handler span in ${JSON.stringify(spans.map((s) => s.name))}`);
    const parent = spans.find((s) => s.spanId === stored.parentSpanId);
    assert.equal(parent?.scope, '@fastify/otel', `parent: ${JSON.stringify(parent)}`);
    assert.equal(parent?.attributes['http.route'], '/orders');
    assert.equal(parent?.traceId, stored.traceId);
  });

  test('when a caller sends a traceparent, then the server joins that trace', async (t) => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const { spans } = await servedOneRequest(t, {}, { traceparent: `00-${traceId}-${parentId}-01` });
    const server = spans.find((s) => s.kind === SERVER);
    assert.equal(server?.traceId, traceId);
    assert.equal(server?.parentSpanId, parentId);
  });

  test('when the ratio is 0, then new traces are dropped but a sampled parent is still followed', async (t) => {
    const unsampled = await servedOneRequest(t, { OTEL_TRACES_SAMPLER_ARG: '0' });
    assert.deepEqual(unsampled.spans, []);
    const parented = await servedOneRequest(
      t,
      { OTEL_TRACES_SAMPLER_ARG: '0' },
      {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    );
    assert.ok(parented.spans.length > 0, "parent-based sampling keeps the caller's sampled trace");
  });

  test('when the OTLP collector accepts connections but never answers, then shutdown still ends cleanly within its bound', async (t) => {
    const sockets = new Set<Socket>();
    const blackhole = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const socket of sockets) socket.destroy();
      blackhole.close();
    });
    const { port } = blackhole.address() as AddressInfo;
    const { spans } = await servedOneRequest(t, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      SHUTDOWN_TIMEOUT_MS: '6000',
    });
    assert.ok(spans.length > 0);
    assert.ok(sockets.size > 0, 'the exporter did try the collector');
  });
});
