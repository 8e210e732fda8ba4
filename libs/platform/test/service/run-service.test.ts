import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { ConfigError, runSettingsFrom } from '../../src/index.ts';
import { startFixture } from '../support/child-service.ts';

async function startService(t: { after(fn: () => unknown): void }, env: Record<string, string>) {
  const service = startFixture('shutdown-service.ts', { PLATFORM_FIXTURE: 'shutdown-service', ...env });
  t.after(() => service.stop());
  const listening = await service.waitForLine('fixture listening');
  return {
    service,
    baseUrl: `http://127.0.0.1:${String(listening['port'])}`,
    opsUrl: `http://127.0.0.1:${String(listening['opsPort'])}`,
  };
}

const platformConfig = { HOST: '0.0.0.0', SHUTDOWN_DRAIN_DELAY_MS: 0, SHUTDOWN_TIMEOUT_MS: 1_000 };

describe('runSettingsFrom', () => {
  test('when OPS_PORT is unset, then the operational listener takes PORT + 10000; 0 stays 0', () => {
    assert.equal(runSettingsFrom({ ...platformConfig, PORT: 3002 }).opsPort, 13_002);
    assert.equal(runSettingsFrom({ ...platformConfig, PORT: 0 }).opsPort, 0);
    assert.equal(runSettingsFrom({ ...platformConfig, PORT: 3002, OPS_PORT: 9464 }).opsPort, 9464);
  });

  test('when the default would be no port or OPS_PORT equals PORT, then it asks for OPS_PORT', () => {
    for (const config of [
      { ...platformConfig, PORT: 60_000 },
      { ...platformConfig, PORT: 3002, OPS_PORT: 3002 },
    ]) {
      assert.throws(
        () => runSettingsFrom(config),
        (error: unknown) => error instanceof ConfigError && error.problems[0]!.startsWith('OPS_PORT: '),
      );
    }
  });
});

describe('runService listeners', () => {
  test('when the service runs, then /metrics answers on the ops port only, and SIGTERM closes both ports', async (t) => {
    const { service, baseUrl, opsUrl } = await startService(t, { DRAIN_DELAY_MS: '300' });
    const publicScrape = await request(`${baseUrl}/metrics`);
    assert.equal(publicScrape.statusCode, 404);
    await publicScrape.body.dump();
    const scrape = await request(`${opsUrl}/metrics`);
    assert.equal(scrape.statusCode, 200);
    assert.match(await scrape.body.text(), /^process_cpu_seconds_total\{/m);

    service.signal('SIGTERM');
    await service.waitForLine('shutting down: draining');
    const draining = await request(`${opsUrl}/ready`);
    assert.equal(draining.statusCode, 503, 'the ops listener still answers while draining');
    await draining.body.dump();
    const { code } = await service.exitedWithin(10);
    assert.equal(code, 0, service.stderr);
    await assert.rejects(request(`${opsUrl}/health`), /ECONNREFUSED/);
    await assert.rejects(request(`${baseUrl}/health`), /ECONNREFUSED/);
  });

  test('when the ops port is taken, then the start fails and says to set OPS_PORT', async (t) => {
    const squatter = createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    t.after(() => squatter.close());
    const port = (squatter.address() as AddressInfo).port;
    const service = startFixture('shutdown-service.ts', {
      PLATFORM_FIXTURE: 'shutdown-service',
      OPS_PORT: String(port),
    });
    t.after(() => service.stop());
    const { code } = await service.exitedWithin(10);
    assert.notEqual(code, 0);
    const output = `${service.stderr}\n${JSON.stringify(service.lines)}`;
    assert.match(output, new RegExp(`could not listen on 127\\.0\\.0\\.1:${port}.*set OPS_PORT`));
  });
});

describe('runService graceful shutdown', () => {
  test('when SIGTERM arrives during a request, then /ready turns 503, the request completes 200 and the process exits 0', async (t) => {
    const { service, baseUrl } = await startService(t, {
      DRAIN_DELAY_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    const agent = new Agent({ pipelining: 0 });
    t.after(() => agent.close());
    assert.equal((await request(`${baseUrl}/ready`, { dispatcher: agent })).statusCode, 200);

    const inFlight = request(`${baseUrl}/slow?ms=1500`, { dispatcher: agent });
    await service.waitForLine('slow request started');
    service.signal('SIGTERM');
    await service.waitForLine('shutting down: draining');

    const ready = await request(`${baseUrl}/ready`, { dispatcher: agent });
    assert.equal(ready.statusCode, 503);
    assert.equal(((await ready.body.json()) as { status: string }).status, 'draining');

    const slow = await inFlight;
    assert.equal(slow.statusCode, 200);
    assert.deepEqual(await slow.body.json(), { done: true });

    const { code } = await service.exitedWithin(10);
    assert.equal(code, 0, service.stderr);
    const messages = service.lines.map((l) => l.msg);
    assert.ok(
      messages.indexOf('after close ran') < messages.indexOf('shut down cleanly'),
      JSON.stringify(service.lines),
    );
  });

  test('when SIGINT arrives with idle keep-alive connections open, then the process still exits 0 well before the bound', async (t) => {
    const { service, baseUrl } = await startService(t, { SHUTDOWN_TIMEOUT_MS: '4000' });
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    t.after(() => agent.close());
    const response = await request(`${baseUrl}/health`, { dispatcher: agent });
    await response.body.dump();

    service.signal('SIGINT');
    const { code } = await service.exitedWithin(10);
    assert.equal(
      code,
      0,
      `an idle keep-alive connection held the shutdown until its bound: ${service.stderr}`,
    );
    assert.ok(service.lines.some((l) => l.msg === 'shut down cleanly'));
  });

  test('when an onClose hook never finishes, then the process exits non-zero once the shutdown bound passes', async (t) => {
    const { service } = await startService(t, { STUCK_ON_CLOSE: '1', SHUTDOWN_TIMEOUT_MS: '500' });
    service.signal('SIGTERM');
    const { code } = await service.exitedWithin(10);
    assert.equal(code, 1);
    assert.ok(!service.lines.some((l) => l.msg === 'shut down cleanly'));
    const timedOut = service.lines.find((l) => String(l.msg).startsWith('shutdown did not finish in time'));
    assert.ok(timedOut, `the overrun is logged as JSON, saying what to do: ${JSON.stringify(service.lines)}`);
    assert.equal(timedOut['timeoutMs'], 500);
  });

  test('when the server has closed, then new connections are refused', async (t) => {
    const { service, baseUrl } = await startService(t, { SHUTDOWN_TIMEOUT_MS: '5000' });
    service.signal('SIGTERM');
    await service.exitedWithin(10);
    await assert.rejects(request(`${baseUrl}/health`), /ECONNREFUSED/);
  });

  test('when an exception escapes, then it is logged with its stack, the service closes and exits 1', async (t) => {
    const { service, baseUrl } = await startService(t, { SHUTDOWN_TIMEOUT_MS: '5000' });
    await (await request(`${baseUrl}/crash`, { method: 'POST' })).body.dump();
    const { code } = await service.exitedWithin(10);
    assert.equal(code, 1);
    const crash = service.lines.find((l) => l.msg === 'shutting down after an unexpected error');
    assert.ok(crash, JSON.stringify(service.lines));
    assert.match(String((crash['err'] as { stack: string }).stack), /unhandled in a timer/);
    assert.ok(
      service.lines.some((l) => l.msg === 'after close ran'),
      'plugins are still closed after a crash',
    );
  });
});
