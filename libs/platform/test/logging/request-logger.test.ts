import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { loggerOptions } from '../../src/index.ts';
import { lazyRequestLogger } from '../../src/logging/request-logger.ts';
import { captureLogs } from '../support/log-capture.ts';
import { buildTestService } from '../support/test-service.ts';

function parentCountingChildren(level: string) {
  const logs = captureLogs();
  const parent = pino(loggerOptions({ service: 'orders', level, pretty: false }), logs.destination);
  let children = 0;
  const child = parent.child.bind(parent);
  const counting = Object.assign(Object.create(parent) as FastifyBaseLogger, {
    child: (...args: Parameters<typeof child>) => {
      children += 1;
      return child(...args);
    },
  });
  return { logs, parent: counting, children: () => children };
}

describe('request logger', () => {
  test('when a request writes no line, or only lines below the level, then no pino child is made', () => {
    const { parent, children } = parentCountingChildren('info');
    const log = lazyRequestLogger(parent, { requestId: 'r-1' }, {});
    log.debug('not at info');
    log.trace('nor this');
    assert.equal(children(), 0);
    assert.equal(log.level, 'info');
  });

  test('when a request writes lines, then one child carries its bindings and its own level', () => {
    const { logs, parent, children } = parentCountingChildren('info');
    const log = lazyRequestLogger(parent, { requestId: 'r-2' }, { level: 'warn' });
    log.info('below the route level');
    log.warn({ code: 'X' }, 'first');
    log.error('second');
    assert.equal(children(), 1);
    assert.deepEqual(
      logs.lines.map((l) => [l.msg, l['requestId'], l['service']]),
      [
        ['first', 'r-2', 'orders'],
        ['second', 'r-2', 'orders'],
      ],
    );
    assert.equal(logs.lines[0]?.['code'], 'X');
    assert.equal(log.child({ step: 'pay' }).level, 'warn');
  });

  test('when a handler logs, then the line carries the request id; a route logLevel still filters', async (t) => {
    const { app, logs } = await buildTestService(async (service) => {
      service.get('/work', async (request) => {
        request.log.info({ step: 1 }, 'working');
        return { ok: true };
      });
      service.get('/quiet', { logLevel: 'warn' }, async (request) => {
        request.log.info('hidden');
        return { ok: true };
      });
    });
    t.after(() => app.close());
    await app.inject({ method: 'GET', url: '/work', headers: { 'x-request-id': 'w-1' } });
    await app.inject({ method: 'GET', url: '/quiet' });
    const [line] = logs.withMessage('working');
    assert.equal(line?.['requestId'], 'w-1');
    assert.equal(line?.['step'], 1);
    assert.deepEqual(logs.withMessage('hidden'), []);
  });
});
