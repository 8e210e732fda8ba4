import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { forwardedHeaders } from '../../src/routes/proxy/forward.ts';

const request = { ip: '203.0.113.7', protocol: 'https', host: 'shop.example', id: 'req-1' } as const;
const clientTraceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the headers forwarded to a service', () => {
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  after(() => {
    context.disable();
    propagation.disable();
  });

  test("when the gateway's request span is active, then the service gets a traceparent naming that span, in the client's trace", () => {
    const gatewaySpan = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: 'a1b2c3d4e5f60718',
      traceFlags: TraceFlags.SAMPLED,
    };
    const headers = context.with(trace.setSpanContext(ROOT_CONTEXT, gatewaySpan), () =>
      forwardedHeaders(request, { traceparent: clientTraceparent, accept: 'application/json' }),
    );
    assert.equal(headers['traceparent'], '00-4bf92f3577b34da6a3ce929d0e0e4736-a1b2c3d4e5f60718-01');
    assert.equal(headers['accept'], 'application/json');
  });

  test("when no span is active (tracing off), then the client's traceparent is forwarded as it came", () => {
    const headers = forwardedHeaders(request, { traceparent: clientTraceparent });
    assert.equal(headers['traceparent'], clientTraceparent);
  });
});
