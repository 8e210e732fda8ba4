import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ensureJaegerBinary,
  fetchJaegerTrace,
  getJaeger,
  stopAllServers,
  waitForJaegerTrace,
} from '../src/index.ts';

after(() => stopAllServers());

/** One OTLP/HTTP JSON export of a parent and a child span, as any OpenTelemetry SDK would send. */
async function sendSpans(otlpHttpUrl: string, traceId: string, parentId: string, childId: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = (spanId: string, name: string, parentSpanId?: string) => ({
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: 2,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
    attributes: [{ key: 'test.case', value: { stringValue: 'kit' } }],
  });
  const response = await fetch(`${otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'kit-test' } }] },
          scopeSpans: [{ spans: [span(parentId, 'GET /parent'), span(childId, 'child', parentId)] }],
        },
      ],
    }),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('Jaeger test server', () => {
  it('when spans are sent over OTLP/HTTP, then the query API returns them with their parent link', async () => {
    const jaeger = await getJaeger();
    const traceId = randomBytes(16).toString('hex');
    const [parentId, childId] = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];
    await sendSpans(jaeger.otlpHttpUrl, traceId, parentId, childId);

    const spans = await waitForJaegerTrace(jaeger.queryUrl, traceId, (found) => found.length === 2);
    const child = spans.find((span) => span.spanId === childId);
    assert.equal(child?.parentSpanId, parentId);
    assert.equal(child?.serviceName, 'kit-test');
    assert.equal(spans.find((span) => span.spanId === parentId)?.parentSpanId, undefined);
    assert.equal(child?.tags['test.case'], 'kit');
  });

  it('when a trace was never sent, then the query API has no spans of it', async () => {
    const jaeger = await getJaeger();
    assert.deepEqual(await fetchJaegerTrace(jaeger.queryUrl, randomBytes(16).toString('hex')), []);
  });

  it('when asked twice in one process, then the same server answers', async () => {
    assert.equal((await getJaeger()).queryUrl, (await getJaeger()).queryUrl);
  });
});

describe('Jaeger binary cache', () => {
  it('when another live process holds the build lock, then it waits for that build instead of building', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'jaeger-lock-test-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const binary = join(dir, 'jaeger');
    // This test process plays the builder: alive, so its lock is honoured.
    await mkdir(`${binary}.lock`);
    await writeFile(join(`${binary}.lock`, 'owner'), JSON.stringify({ pid: process.pid, log: 'test' }));
    let settled = false;
    const waiting = ensureJaegerBinary(binary).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(settled, false, 'it returned before the other build finished');

    await writeFile(binary, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(await waiting, binary);
  });
});
