import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { pino } from 'pino';
import { loggerOptions } from '../../src/index.ts';
import { captureLogs } from '../support/log-capture.ts';
import { buildTestService } from '../support/test-service.ts';

const provider = new NodeTracerProvider();
provider.register();
after(() => provider.shutdown());
const tracer = trace.getTracer('logger-test');

function captured(level = 'info') {
  const logs = captureLogs();
  return { logs, logger: pino(loggerOptions({ service: 'orders', level, pretty: false }), logs.destination) };
}

describe('logger', () => {
  test('when a line is logged inside an active span, then it carries that trace_id and span_id', () => {
    const { logs, logger } = captured();
    const ids = tracer.startActiveSpan('place order', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    logger.info('outside');
    const [inside, outside] = logs.lines;
    assert.equal(inside?.['trace_id'], ids.traceId);
    assert.equal(inside?.['span_id'], ids.spanId);
    assert.match(String(inside?.['trace_id']), /^[0-9a-f]{32}$/);
    assert.equal(outside?.['trace_id'], undefined, 'no span, no trace id');
    assert.equal(outside?.['span_id'], undefined);
  });

  test('when a line is logged, then it is JSON with the service name, level and an ISO time', () => {
    const { logs, logger } = captured();
    logger.warn({ orderId: 'o-1' }, 'slow');
    const [line] = logs.lines;
    assert.equal(line?.['service'], 'orders');
    assert.equal(line?.level, 40);
    assert.equal(line?.['orderId'], 'o-1');
    assert.match(String(line?.['time']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  test('when passwords, tokens, card data or auth headers are logged, then their values are redacted', () => {
    const { logs, logger } = captured();
    logger.info(
      {
        password: 'hunter2',
        token: 'opaque-refresh',
        body: { email: 'a@shop.local', newPassword: 'n3w-secret', refreshToken: 'rt-123' },
        req: {
          headers: {
            authorization: 'Bearer eyJhbGciOi',
            cookie: 'sid=abc',
            'x-api-key': 'k-1',
            accept: 'application/json',
          },
        },
        res: { headers: { 'set-cookie': 'sid=abc' } },
        payment: { card: { number: '4242424242424242', cvc: '123', expMonth: 12 } },
        command: { payment: { cardNumber: '4000000000000002', cvv: '999' } },
      },
      'sensitive',
    );
    const text = JSON.stringify(logs.lines);
    for (const secret of [
      'hunter2',
      'opaque-refresh',
      'n3w-secret',
      'rt-123',
      'eyJhbGciOi',
      'sid=abc',
      'k-1',
      '4242424242424242',
      '"123"',
      '4000000000000002',
      '999',
    ]) {
      assert.ok(!text.includes(secret), `${secret} leaked into ${text}`);
    }
    const line = logs.lines[0] as unknown as {
      body: { email: string };
      req: { headers: Record<string, string> };
      payment: { card: { expMonth: number } };
    };
    assert.equal(line.body.email, 'a@shop.local', 'non-secret fields stay');
    assert.equal(line.req.headers['accept'], 'application/json');
    assert.equal(line.payment.card.expMonth, 12);
    assert.equal(line.req.headers['authorization'], '[redacted]');
  });

  test('when the level is above a line, then the line is not written', () => {
    const { logs, logger } = captured('warn');
    logger.info('quiet');
    logger.error('loud');
    assert.deepEqual(
      logs.lines.map((l) => l.msg),
      ['loud'],
    );
  });

  test('when pretty output is asked for, then pino-pretty formats lines; otherwise none is configured', () => {
    const pretty = loggerOptions({ service: 's', level: 'info', pretty: true });
    assert.equal((pretty.transport as { target: string } | undefined)?.target, 'pino-pretty');
    assert.equal(loggerOptions({ service: 's', level: 'info', pretty: false }).transport, undefined);
  });

  test('when a service logs while handling a request inside a span, then the line has the request id and trace ids', async (t) => {
    const { app, logs } = await buildTestService(async (service) => {
      service.get('/orders', async (request) => {
        tracer.startActiveSpan('list orders', (span) => {
          request.log.info({ count: 2 }, 'listed orders');
          span.end();
        });
        return [];
      });
    });
    t.after(() => app.close());
    const response = await app.inject({
      method: 'GET',
      url: '/orders',
      headers: { 'x-request-id': 'req-42' },
    });
    assert.equal(response.statusCode, 200);
    const [line] = logs.withMessage('listed orders');
    assert.equal(line?.['requestId'], 'req-42');
    assert.match(String(line?.['trace_id']), /^[0-9a-f]{32}$/);
    assert.match(String(line?.['span_id']), /^[0-9a-f]{16}$/);
    assert.equal(line?.['service'], 'test');
  });
});
