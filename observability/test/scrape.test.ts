import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '@shop/testing';
import { OBSERVABILITY_DIR, readComposeTargets, writeCiPrometheusConfig } from '../ci/prometheus.ts';
import { driveTraffic, NPM_START_TARGETS } from '../ci/traffic.ts';
import { exportedMetricFamilies, metricFamiliesInExposition } from '../ci/metric-names.ts';

// The real Prometheus server scrapes the services `npm start` runs, with the project's scrape config
// (its CI variant), while traffic flows; then its HTTP API must show every target up and the RED series.
const ROOT = join(OBSERVABILITY_DIR, '..');
const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 30_000;
const INTERVAL = '1s';
const CUSTOMERS = 20;

const log = (message: string) => process.stderr.write(`[scrape] ${message}\n`);

const scratch = await mkdtemp(join(tmpdir(), 'shop-prometheus-scrape-'));
const targets = await readComposeTargets();
const services = targets.map((group) => group.labels!['app']!);
const opsUrls = targets.map((group) => `http://${group.targets[0]!.replace(/^[^:]+:/, '127.0.0.1:')}`);
const publicUrls = Object.values(NPM_START_TARGETS);

let shop: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let prometheusUrl = '';

async function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let reported = started;
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    if (Date.now() - reported > 10_000) {
      log(`still waiting for ${what} (${Math.round((Date.now() - started) / 1000)} s) ...`);
      reported = Date.now();
    }
    await sleep(250);
  }
}

async function stop(child: ChildProcess | undefined, name: string): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // npm start stops its services, then its database, on SIGTERM; its process group is killed only when
  // it does not finish in time.
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log(`${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing its process group`);
    process.kill(-child.pid!, 'SIGKILL');
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; data: { result: [] }; error?: string };
  assert.equal(body.status, 'success', `${expr}: ${body.error}`);
  return body.data.result;
}

const byService = async (expr: string) =>
  (await query(expr)).map((sample) => sample.metric['service'] ?? sample.metric['job']).sort();

before(async () => {
  const running = await Promise.all(publicUrls.map((url) => answers(`${url}/ready`)));
  if (running.every(Boolean)) {
    log('the services already run (npm start?): using them');
  } else if (running.some(Boolean)) {
    throw new Error(
      'some of the services answer on their ports, not all: stop that npm start and run again.',
    );
  } else {
    log(`starting the services with npm start (log: ${scratch}/npm-start.log) ...`);
    const output = createWriteStream(join(scratch, 'npm-start.log'));
    shop = spawn(process.execPath, [join(ROOT, 'tools', 'start.ts')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development' },
    });
    shop.stdout!.pipe(output);
    shop.stderr!.pipe(output);
    const exited = once(shop, 'exit').then(([code]) => {
      throw new Error(`npm start exited with ${code} while starting; see ${scratch}/npm-start.log`);
    });
    await Promise.race([
      waitFor(
        'npm start',
        async () => (await Promise.all(publicUrls.map((url) => answers(`${url}/ready`)))).every(Boolean),
        START_TIMEOUT_MS,
      ),
      exited,
    ]);
    exited.catch(() => undefined);
    log('the services are ready');
  }

  const port = await findFreePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const config = await writeCiPrometheusConfig(scratch, { interval: INTERVAL });
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(scratch, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: scratch, detached: true, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  prometheus.once('error', (error) =>
    log(`prometheus could not start: ${error.message}; apt-get install prometheus`),
  );
  await waitFor('Prometheus to be ready', () => answers(`${prometheusUrl}/-/ready`), 30_000);
  log(
    `Prometheus ${prometheusUrl} scrapes every ${INTERVAL}; driving traffic from ${CUSTOMERS} customers ...`,
  );
  // A first customer creates every series, and a few scrapes see them before the rest of the traffic
  // increases them: a series first scraped after its requests shows no rate (on a fast machine all of the
  // traffic fits between two scrapes).
  const warmUp = await driveTraffic(NPM_START_TARGETS, { customers: 1 });
  await sleep(3_000);
  const report = await driveTraffic(NPM_START_TARGETS, { customers: CUSTOMERS - 1, log });
  log(`traffic: ${JSON.stringify(report)} after a first customer's ${warmUp.requests} requests`);
  assert.equal(
    (report.byClass['5xx'] ?? 0) + (warmUp.byClass['5xx'] ?? 0),
    0,
    'the traffic must meet no 5xx',
  );
  assert.equal(report.checkouts + warmUp.checkouts, CUSTOMERS, 'every customer must check out');
  assert.equal(report.payments + warmUp.payments, CUSTOMERS, 'every customer must pay');
  // A few more scrapes and evaluations, so the last requests are in the rates.
  await sleep(4_000);
});

after(async () => {
  await stop(prometheus, 'prometheus');
  await stop(shop, 'npm start');
  await rm(scratch, { recursive: true, force: true });
});

describe('a real Prometheus scraping the running services', () => {
  test('when it has scraped during traffic, then every target of every job is up', async () => {
    const response = await fetch(`${prometheusUrl}/api/v1/targets?state=active`);
    const body = (await response.json()) as {
      data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
    };
    const health = body.data.activeTargets.map(
      (target) => `${target.labels['job']} ${target.health} ${target.lastError}`,
    );
    assert.deepEqual(health.sort(), services.map((service) => `${service} up `).sort());
    assert.deepEqual(await byService('up == 1'), [...services].sort());
  });

  test('when traffic has flowed, then the RED recording rules have a value for every service', async () => {
    for (const record of [
      'service:http_requests:rate5m',
      'service:http_request_errors:ratio_rate5m',
      'service:http_request_duration_seconds:p99_rate5m',
    ]) {
      assert.deepEqual(await byService(record), [...services].sort(), record);
    }
    assert.deepEqual(await byService('service:http_requests:rate5m > 0'), [...services].sort());
    // The traffic met no 5xx, so every error ratio is 0 (the `or ... * 0` gives services without 5xx one).
    assert.deepEqual(await byService('service:http_request_errors:ratio_rate5m != 0'), []);
  });

  test('when checkouts and payments were made, then the checkout SLIs have values and no availability or operational alert fires', async () => {
    const availability = await query('slo:checkout_availability:error_ratio_rate5m');
    assert.equal(availability.length, 1);
    assert.equal(Number(availability[0]!.value[1]), 0);
    assert.equal((await query('slo:checkout_latency:slow_ratio_rate5m')).length, 1);
    assert.equal(
      (await query('sum(service_route:http_requests:rate5m{route="/api/v1/payments"})')).length,
      1,
    );
    // Latency depends on this machine's load (a cold, shared CI machine can take over 0.5 s per checkout,
    // and a minute of history fills every window), so only the other alerts must be quiet.
    const latency = await query('slo:checkout_latency:slow_ratio_rate5m');
    log(`checkouts slower than 0.5 s: ${(Number(latency[0]!.value[1]) * 100).toFixed(1)}%`);
    assert.deepEqual(await query('ALERTS{alertstate="firing", slo!="checkout-latency"}'), []);
  });

  test('when the services are scraped, then the metric families they export are the ones observability/exported-metrics.txt lists', async () => {
    const live = new Set<string>();
    for (const url of opsUrls) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const family of metricFamiliesInExposition(text)) live.add(family);
    }
    assert.deepEqual([...live].sort(), [...(await exportedMetricFamilies())].sort());
    // And Prometheus stored them: the families with samples are among its names.
    const names = (await (await fetch(`${prometheusUrl}/api/v1/label/__name__/values`)).json()) as {
      data: string[];
    };
    for (const name of [
      'http_request_duration_seconds_bucket',
      'cache_requests_total',
      'db_pool_connections',
    ]) {
      assert.ok(names.data.includes(name), `${name} is not in Prometheus`);
    }
  });
});
