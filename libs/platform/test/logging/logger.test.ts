import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { pino } from 'pino';
import { loggerOptions, redactSecrets } from '../../src/index.ts';
import { captureLogs } from '../support/log-capture.ts';
import { buildTestService } from '../support/test-service.ts';

const provider = new NodeTracerProvider();
provider.register();
after(() => provider.shutdown());
const tracer = trace.getTracer('logger-test');

function assertNotWritten(lines: unknown, secrets: readonly string[]): void {
  const text = JSON.stringify(lines);
  for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} leaked into ${text}`);
}

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

  test('when an error carries a live object (as pg pool errors carry their client), then the line names it instead of dumping it', () => {
    const { logs, logger } = captured();
    class Client {
      readonly socket = { readable: true, buffered: 'x'.repeat(10_000) };
    }
    const error = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      client: new Client(),
      detail: { table: 'orders' },
      at: new Date('2026-11-27T00:00:00Z'),
      cause: new Error('socket closed'),
    });

    logger.error({ err: error }, 'postgres pool error');

    const err = logs.lines[0]?.['err'] as Record<string, unknown>;
    // pino appends the causes' messages to the message.
    assert.equal(err['message'], 'terminating connection due to administrator command: socket closed');
    assert.equal(err['code'], '57P01');
    assert.equal(err['client'], '[Client]');
    assert.deepEqual(err['detail'], { table: 'orders' }, 'plain data is kept');
    assert.equal(err['at'], '2026-11-27T00:00:00.000Z');
    assert.match(String(err['stack']), /terminating connection/);
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
    assertNotWritten(logs.lines, [
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
    ]);
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

  test('when secrets sit deeper, in arrays or under other-cased header names, then they are redacted too', () => {
    const { logs, logger } = captured();
    logger.info(
      {
        attempt: {
          upstream: { request: { headers: { Authorization: 'Bearer deep-1', Accept: 'text/plain' } } },
        },
        lines: [{ card: { number: '4111111111111111', brand: 'visa' } }, { apiKey: 'ak-2' }],
        headers: { 'Set-Cookie': ['sid=1', 'sid=2'], 'X-Api-Key': 'xk-3' },
      },
      'deep',
    );
    assertNotWritten(logs.lines, ['deep-1', '4111111111111111', 'ak-2', 'sid=1', 'sid=2', 'xk-3']);
    const line = logs.lines[0] as unknown as {
      attempt: { upstream: { request: { headers: Record<string, string> } } };
      lines: [{ card: { brand: string } }];
    };
    assert.equal(line.attempt.upstream.request.headers['Accept'], 'text/plain');
    assert.equal(line.attempt.upstream.request.headers['Authorization'], '[redacted]');
    assert.equal(line.lines[0].card.brand, 'visa');
  });

  test('when an error carrying a secret is logged, then the secret is redacted and its type, message and stack stay', () => {
    const { logs, logger } = captured();
    const error = Object.assign(new TypeError('upstream refused'), {
      code: 'E_UPSTREAM',
      request: { headers: { authorization: 'Bearer err-secret' } },
    });
    logger.error({ err: error }, 'call failed');
    const line = logs.lines[0] as unknown as {
      err: { type: string; message: string; stack: string; code: string; request: unknown };
    };
    assert.equal(line.err.type, 'TypeError');
    assert.equal(line.err.message, 'upstream refused');
    assert.match(line.err.stack, /^TypeError: upstream refused\n\s+at /);
    assert.equal(line.err.code, 'E_UPSTREAM');
    assert.deepEqual(line.err.request, { headers: { authorization: '[redacted]' } });
    assert.equal(
      error.request.headers.authorization,
      'Bearer err-secret',
      "the caller's error is not changed",
    );
  });

  test('when keys only contain password, token, secret or api key, or name auth headers, then their values are redacted', () => {
    const { logs, logger } = captured();
    logger.info(
      {
        user: { passwordHash: '$argon2id$HASH-1', dbPassword: 'DBPW-2', displayName: 'Ada' },
        headers: {
          'X-Internal-Token': 'INTERNAL-3',
          'Proxy-Authorization': 'Basic PROXY-4',
          'x-csrf-token': 'CSRF-5',
          'content-type': 'application/json',
        },
        env: { AWS_SECRET_ACCESS_KEY: 'AWS-6', STRIPE_API_KEY: 'STRIPE-7', sessionToken: 'SESSION-8' },
        client: {
          clientSecret: 'CLIENT-9',
          api_key: 'APIKEY-10',
          credentials: 'CRED-11',
          clientId: 'shop-web',
        },
      },
      'patterns',
    );
    assertNotWritten(logs.lines, [
      'HASH-1',
      'DBPW-2',
      'INTERNAL-3',
      'PROXY-4',
      'CSRF-5',
      'AWS-6',
      'STRIPE-7',
      'SESSION-8',
      'CLIENT-9',
      'APIKEY-10',
      'CRED-11',
    ]);
    const line = logs.lines[0] as unknown as {
      user: Record<string, string>;
      headers: Record<string, string>;
      client: Record<string, string>;
    };
    assert.equal(line.user['displayName'], 'Ada');
    assert.equal(line.headers['content-type'], 'application/json');
    assert.equal(line.client['clientId'], 'shop-web');
    assert.equal(line.headers['X-Internal-Token'], '[redacted]');
  });

  test('when a private JWK is logged, then its private members are redacted and its public ones stay', () => {
    const { logs, logger } = captured();
    const okp = { kty: 'OKP', crv: 'Ed25519', x: 'PUBLIC-X', d: 'PRIVATE-D', kid: 'k1' };
    const rsa = {
      kty: 'RSA',
      n: 'MODULUS',
      e: 'AQAB',
      d: 'RSA-D',
      p: 'RSA-P',
      q: 'RSA-Q',
      dp: 'DP',
      dq: 'DQ',
      qi: 'QI',
    };
    const oct = { kty: 'oct', k: 'SYMMETRIC-K', alg: 'HS256' };
    logger.info({ keyRing: { keys: [okp, rsa, oct] }, point: { d: 4, p: 2 } }, 'keys loaded');
    assertNotWritten(logs.lines, [
      'PRIVATE-D',
      'RSA-D',
      'RSA-P',
      'RSA-Q',
      '"DP"',
      '"DQ"',
      '"QI"',
      'SYMMETRIC-K',
    ]);
    const line = logs.lines[0] as unknown as { keyRing: { keys: Record<string, string>[] }; point: unknown };
    assert.deepEqual(line.keyRing.keys[0], { ...okp, d: '[redacted]' });
    assert.equal(line.keyRing.keys[1]?.['n'], 'MODULUS');
    assert.deepEqual(line.point, { d: 4, p: 2 }, 'outside a JWK, d and p are plain data');
  });

  test('when a secret sits in an error cause chain or an AggregateError, then it is redacted there too', () => {
    const { logs, logger } = captured();
    const rejected = Object.assign(new Error('login refused'), {
      request: { body: { password: 'AGG-PW-1' } },
    });
    logger.error({ err: new AggregateError([rejected], 'every attempt failed') }, 'attempts failed');
    assertNotWritten(logs.lines, ['AGG-PW-1']);
    assert.match(JSON.stringify(logs.lines), /login refused/, 'the aggregated error itself is still logged');

    const root = Object.assign(new Error('socket hang up'), { headers: { authorization: 'Bearer CAUSE-2' } });
    const middle = new Error('upstream failed', { cause: root });
    const outer = new Error('checkout failed', { cause: middle });
    const redacted = redactSecrets(outer);
    const redactedRoot = (redacted.cause as Error).cause as typeof root;
    assert.equal(redactedRoot.headers.authorization, '[redacted]');
    assert.equal(redactedRoot.message, 'socket hang up');
    assert.ok(redactedRoot instanceof Error && (redacted.cause as Error) instanceof Error);
    assert.equal(Object.keys(redacted).includes('cause'), false, 'cause stays non-enumerable');
    assert.equal(root.headers.authorization, 'Bearer CAUSE-2', "the caller's error is not changed");
    assert.deepEqual(redactSecrets(new Error('plain', { cause: { apiKey: 'CAUSE-3' } })).cause, {
      apiKey: '[redacted]',
    });
  });

  test('when a body parsed from JSON has a __proto__ key holding a secret, then it is redacted as own data', () => {
    const body = JSON.parse('{"__proto__": {"password": "PROTO-PW"}, "email": "a@shop.local"}') as object;
    const redacted = redactSecrets({ body }).body as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(redacted), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value, {
      password: '[redacted]',
    });
    assert.equal(redacted['email'], 'a@shop.local');
  });

  test('when a logged object holds secrets, then the object the caller passed is not changed', () => {
    const { logs, logger } = captured();
    const body = { email: 'a@shop.local', password: 'hunter2', profile: { token: 't-1' } };
    logger.info({ body }, 'registering');
    assert.deepEqual(body, { email: 'a@shop.local', password: 'hunter2', profile: { token: 't-1' } });
    assert.deepEqual(logs.lines[0]?.['body'], {
      email: 'a@shop.local',
      password: '[redacted]',
      profile: { token: '[redacted]' },
    });
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

  test('when a route logs a secret or fails with one, then the service writes neither', async (t) => {
    const { app, logs } = await buildTestService(async (service) => {
      service.post('/login', async (request) => {
        request.log.info({ body: request.body }, 'login attempt');
        throw Object.assign(new Error('directory unavailable'), {
          options: { headers: { authorization: 'Basic c2VydmljZTpzM2NyZXQ=' } },
        });
      });
    });
    t.after(() => app.close());
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'a@shop.local', password: 'hunter2' },
    });
    assert.equal(response.statusCode, 500);
    const text = JSON.stringify(logs.lines);
    assert.ok(!text.includes('hunter2'), `the password leaked into ${text}`);
    assert.ok(!text.includes('c2VydmljZTpzM2NyZXQ='), `the credential leaked into ${text}`);
    assert.equal(logs.withMessage('login attempt')[0]?.['requestId'] !== undefined, true);
    const [failure] = logs.withMessage('request failed unexpectedly');
    assert.equal((failure?.['err'] as { message?: string } | undefined)?.message, 'directory unavailable');
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
