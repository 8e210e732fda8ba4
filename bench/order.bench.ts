import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { migrateShards, parseAssignments, shardSchema } from '@shop/sharding';
import { createTestDatabase, startPostgresServer, startTestAuth, type TestAuth } from '@shop/testing';
import autocannon from 'autocannon';
import pg from 'pg';
import { SHARD_SCHEMA_PREFIX } from '../apps/order/src/plugins/shards.plugin.ts';
import { startChildServer, type ChildServer } from './lib/child-server.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { median, round } from './lib/stats.ts';

// Checkout through the order service's HTTP API (JWT, Idempotency-Key, product lookup and hold from a stub
// that answers at once, the order transaction on the customer's shard) against pgbench committing the same
// SQL (bench/order/place-order.sql) on the same server with as many connections as the service's pool, in
// alternating rounds; and the same HTTP load with the 16 shards on two servers against one.

const SHARD_COUNT = 16;
/** The service's DATABASE_POOL_SIZE (per shard server), and pgbench's client connections. */
const POOL_SIZE = 10;
// More HTTP connections than pooled ones: part of each request is the product calls and the service's own
// CPU, so a connection per pooled client would leave the pool idle between requests.
const HTTP_CONNECTIONS = 32;
const CUSTOMERS = 2_000;
const SEQUENTIAL_CHECKOUTS = 10;
const PRODUCTS = 500;
const LINES_PER_ORDER = 3;
const WARMUP_SECONDS = 2;
const RUN_SECONDS = 3;
const ROUNDS = 5;
const PGBENCH = 'pgbench';
const PGBENCH_SCRIPT = new URL('./order/place-order.sql', import.meta.url);
const MIGRATIONS_DIR = new URL('../apps/order/prisma/migrations', import.meta.url).pathname;
const run = promisify(execFile);

const schemaOf = (shard: number) => shardSchema(SHARD_SCHEMA_PREFIX, shard);

interface Run {
  round: number;
  ordersPerSecond: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  /** pgbench reports only the average. */
  latencyAverageMs?: number;
  /** Orders per CPU second of the order service process (HTTP contenders only). */
  ordersPerServiceCpuSecond?: number;
  serviceCpuCores?: number;
}

interface Contender {
  name: string;
  load(seconds: number): Promise<Omit<Run, 'round'>>;
}

export default async function orderBench(ctx: BenchContext): Promise<Figure[]> {
  await requirePgbench();
  ctx.progress('starting PostgreSQL (or using DATABASE_URL) and a second PostgreSQL server');
  // Stopped first, all at once: the processes using the databases; then the databases and servers.
  const processes: ChildServer[] = [];
  const infrastructure: (() => Promise<unknown>)[] = [];
  try {
    const [one, twoA, second, auth] = await Promise.all([
      createTestDatabase('bench_order_one'),
      createTestDatabase('bench_order_two_a'),
      startPostgresServer(),
      startTestAuth(),
    ]);
    infrastructure.push(one.drop, twoA.drop, second.stop, auth.close);
    const twoB = await createDatabase(second.url, 'bench_order_two_b');

    ctx.progress(`migrating ${SHARD_COUNT} shards on one server, and 0-7 / 8-15 on two`);
    await Promise.all([
      migrate({ a: one.url }, `a:0-${SHARD_COUNT - 1}`),
      migrate({ a: twoA.url, b: twoB }, `a:0-7,b:8-${SHARD_COUNT - 1}`),
    ]);

    ctx.progress('starting the product stub and the order service on one server and on two');
    const stub = await startChildServer({
      name: 'product-stub',
      entry: new URL('./lib/order/product-stub.server.ts', import.meta.url),
    });
    processes.push(stub);
    const env = serviceEnv(auth, stub.url);
    const started = await Promise.allSettled([
      startOrderService('service-one-server', {
        ...env,
        ORDER_DATABASE_URL: one.url,
        ORDER_SHARD_SERVERS: `a=${one.url}`,
      }),
      startOrderService('service-two-servers', {
        ...env,
        ORDER_DATABASE_URL: twoA.url,
        ORDER_SHARD_SERVERS: `a=${twoA.url},b=${twoB}`,
      }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') processes.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [serviceOne, serviceTwo] = started.map((r) => (r as PromiseFulfilledResult<ChildServer>).value) as [
      ChildServer,
      ChildServer,
    ];

    const checkouts = await checkoutRequests(auth);
    const scripts = await pgbenchScripts();
    infrastructure.push(() => rm(scripts.dir, { recursive: true, force: true }));

    const contenders: Contender[] = [
      { name: 'serviceOneServer', load: (s) => httpLoad(serviceOne, checkouts, s) },
      { name: 'pgbench', load: (s) => pgbenchLoad(one.url, scripts.files, s) },
      { name: 'serviceTwoServers', load: (s) => httpLoad(serviceTwo, checkouts, s) },
    ];
    for (const service of [serviceOne, serviceTwo]) {
      ctx.progress(`checking '${service.name}' places orders (one checkout at a time first)`);
      await placeOneByOne(service, checkouts, SEQUENTIAL_CHECKOUTS);
    }
    for (const contender of contenders) {
      ctx.progress(`warming up ${contender.name} for ${WARMUP_SECONDS} s`);
      await contender.load(WARMUP_SECONDS);
    }
    const runs = new Map<string, Run[]>(contenders.map((c) => [c.name, []]));
    for (let r = 1; r <= ROUNDS; r++) {
      for (const contender of contenders) {
        const measured = { round: r, ...(await contender.load(RUN_SECONDS)) };
        runs.get(contender.name)!.push(measured);
        ctx.progress(
          `round ${r}/${ROUNDS}: ${contender.name} ${measured.ordersPerSecond.toLocaleString('en-US')} orders/s` +
            (measured.serviceCpuCores === undefined ? '' : `, service at ${measured.serviceCpuCores} cores`),
        );
      }
    }

    const allShards = Array.from({ length: SHARD_COUNT }, (_, shard) => shard);
    const storedOnOne = await checkWrittenRows('one-server', [{ url: one.url, shards: allShards }]);
    const storedOnTwo = await checkWrittenRows('two-server', [
      { url: twoA.url, shards: allShards.slice(0, 8) },
      { url: twoB, shards: allShards.slice(8) },
    ]);
    const medianOf = (name: string) => median(runs.get(name)!.map((r) => r.ordersPerSecond));
    const perCpuOf = (name: string) => median(runs.get(name)!.map((r) => r.ordersPerServiceCpuSecond!));
    const common = {
      rounds: ROUNDS,
      runSeconds: RUN_SECONDS,
      httpConnections: HTTP_CONNECTIONS,
      poolSizePerServer: POOL_SIZE,
      customers: CUSTOMERS,
      linesPerOrder: LINES_PER_ORDER,
    };
    return [
      {
        name: 'order_create_vs_pgbench',
        value: round(medianOf('serviceOneServer') / medianOf('pgbench'), 3),
        unit: 'ratio',
        goal: { op: '>=', value: 0.5 },
        detail: {
          serviceMedianOrdersPerSecond: round(medianOf('serviceOneServer')),
          pgbenchMedianOrdersPerSecond: round(medianOf('pgbench')),
          sameRoundRatioMedian: sameRoundRatio(runs, 'serviceOneServer', 'pgbench'),
          serviceCpuMicrosPerOrder: round(1e6 / perCpuOf('serviceOneServer')),
          serviceRuns: runs.get('serviceOneServer'),
          pgbenchRuns: runs.get('pgbench'),
          serviceCpuCoresMedian: median(runs.get('serviceOneServer')!.map((r) => r.serviceCpuCores!)),
          pgbenchClients: POOL_SIZE,
          ordersStoredOnOneServer: storedOnOne,
          ...common,
        },
      },
      {
        name: 'order_create_two_servers_vs_one',
        value: round(medianOf('serviceTwoServers') / medianOf('serviceOneServer'), 3),
        unit: 'ratio',
        detail: {
          twoServersMedianOrdersPerSecond: round(medianOf('serviceTwoServers')),
          oneServerMedianOrdersPerSecond: round(medianOf('serviceOneServer')),
          sameRoundRatioMedian: sameRoundRatio(runs, 'serviceTwoServers', 'serviceOneServer'),
          twoServersCpuMicrosPerOrder: round(1e6 / perCpuOf('serviceTwoServers')),
          oneServerCpuMicrosPerOrder: round(1e6 / perCpuOf('serviceOneServer')),
          twoServersRuns: runs.get('serviceTwoServers'),
          ordersStoredOnTwoServers: storedOnTwo,
          note:
            'Both servers share the same 2 cores with the service, the stub and the load generator: the CPU, ' +
            'not PostgreSQL, limits the rate, so a second server adds a second pool but no capacity (expect ~1).',
          ...common,
        },
      },
    ];
  } finally {
    await Promise.allSettled(processes.map((server) => server.stop()));
    await Promise.allSettled(infrastructure.map((step) => step()));
  }
}

async function requirePgbench(): Promise<void> {
  try {
    await run(PGBENCH, ['--version']);
  } catch {
    throw new Error(
      'pgbench is not installed: install the PostgreSQL client package (Debian/Ubuntu: ' +
        '`apt-get install postgresql-client`), then run the bench again.',
    );
  }
}

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function migrate(servers: Record<string, string>, map: string): Promise<unknown> {
  return migrateShards({
    servers,
    directoryUrl: Object.values(servers)[0]!,
    initialAssignments: parseAssignments(map, SHARD_COUNT),
    shardCount: SHARD_COUNT,
    schemaPrefix: SHARD_SCHEMA_PREFIX,
    migrationsDir: MIGRATIONS_DIR,
    logger: { info: () => undefined, warn: () => undefined },
  });
}

function serviceEnv(auth: TestAuth, productUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    AUTH_JWKS_URL: auth.jwksUrl,
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience,
    PRODUCT_SERVICE_URL: productUrl,
    // Service tokens for the stub come from the stand-in auth's token endpoint (cached, so not per order).
    ...auth.serviceClientEnv('order'),
    // pgbench writes the outbox rows and nothing reads them; the service's relay would add work (and
    // Kafka) that the baseline does not do. Production runs the relay in the same process or another one.
    OUTBOX_RELAY_ENABLED: 'false',
  };
}

function startOrderService(name: string, env: Record<string, string>): Promise<ChildServer> {
  const profileDir = process.env['BENCH_CPU_PROF'];
  return startChildServer({
    name,
    entry: new URL('./lib/order/order.server.ts', import.meta.url),
    env,
    startTimeoutMs: 60_000,
    ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], stopGraceMs: 30_000 } : {}),
  });
}

interface Checkouts {
  /** The next request's headers and body: a random customer, 3 distinct products, a fresh key. */
  next(): { headers: Record<string, string>; body: string };
}

async function checkoutRequests(auth: TestAuth): Promise<Checkouts> {
  // Random customer ids spread over the 16 shards as production's do (the shard is a hash of the id).
  const tokens = await Promise.all(
    Array.from({ length: CUSTOMERS }, () => auth.token(['customer'], { expiresIn: '1h' })),
  );
  const products = Array.from({ length: PRODUCTS }, () => randomUUID());
  const shippingAddress = {
    name: 'A B',
    line1: '1 Main St',
    city: 'Town',
    postalCode: '12345',
    country: 'US',
  };
  const pick = (n: number) => Math.floor(Math.random() * n);
  return {
    next() {
      const first = pick(PRODUCTS);
      const items = Array.from({ length: LINES_PER_ORDER }, (_, i) => ({
        productId: products[(first + i * 7) % PRODUCTS]!,
        quantity: 1 + pick(3),
      }));
      return {
        headers: {
          authorization: `Bearer ${tokens[pick(CUSTOMERS)]}`,
          'idempotency-key': randomUUID(),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ shippingAddress, items }),
      };
    },
  };
}

/** Checkouts one at a time: the first ones open each shard's client, and a refusal shows its problem. */
async function placeOneByOne(service: ChildServer, checkouts: Checkouts, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { headers, body } = checkouts.next();
    const res = await fetch(`${service.url}/api/v1/orders`, { method: 'POST', headers, body });
    if (res.status !== 201) {
      throw new Error(
        `'${service.name}' answered a checkout with ${res.status}: ${await res.text()}\n` +
          'Fix the service or the bench (bench/lib/order), then run the bench again.',
      );
    }
  }
}

/** Closed-loop checkouts; refuses a run with any error or non-201 answer (a fast error is no order). */
async function httpLoad(
  service: ChildServer,
  checkouts: Checkouts,
  seconds: number,
): Promise<Omit<Run, 'round'>> {
  const cpuBefore = await service.cpuSeconds();
  const result = await autocannon({
    url: service.url,
    connections: HTTP_CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/orders',
        setupRequest: (request) => ({ ...request, ...checkouts.next() }),
      },
    ],
  });
  const cpu = (await service.cpuSeconds()) - cpuBefore;
  const created = result.statusCodeStats?.['201']?.count ?? 0;
  const failed = result.errors + result.timeouts + (result['2xx'] - created) + result.non2xx;
  if (failed > 0 || created === 0) {
    throw new Error(
      `Checkouts on '${service.name}' got ${result.errors} errors, ${result.timeouts} timeouts and ` +
        `${result.non2xx + result['2xx'] - created} answers other than 201 (${JSON.stringify(result.statusCodeStats)}): ` +
        'run the bench with the service at LOG_LEVEL=info to see why, then run it again.',
    );
  }
  return {
    ordersPerSecond: round(created / result.duration),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    ordersPerServiceCpuSecond: round(created / cpu),
    serviceCpuCores: round(cpu / result.duration, 2),
  };
}

/** One copy of the script per shard schema, each picked equally often, as random customers spread. */
async function pgbenchScripts(): Promise<{ dir: string; files: string[] }> {
  const template = await readFile(PGBENCH_SCRIPT, 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'bench-order-pgbench-'));
  const files = await Promise.all(
    Array.from({ length: SHARD_COUNT }, async (_, shard) => {
      const file = join(dir, `${schemaOf(shard)}.sql`);
      await writeFile(file, template.replaceAll('orders_sNN', schemaOf(shard)));
      return file;
    }),
  );
  return { dir, files };
}

async function pgbenchLoad(
  databaseUrl: string,
  files: string[],
  seconds: number,
): Promise<Omit<Run, 'round'>> {
  const args = ['-n', '-M', 'extended', '-c', String(POOL_SIZE), '-j', '1', '-T', String(seconds)];
  const { stdout } = await run(
    PGBENCH,
    [...args, ...files.flatMap((file) => ['-f', `${file}@1`]), databaseUrl],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  ).catch((error: { stderr?: string; message: string }) => {
    throw new Error(
      `pgbench failed: ${error.stderr?.trim() || error.message}\nCheck bench/order/place-order.sql against ` +
        "the order service's schema (apps/order/prisma/migrations), then run the bench again.",
    );
  });
  const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  const latency = /latency average = ([\d.]+) ms/.exec(stdout);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (!processed || !tps || Number(failed?.[1] ?? 0) > 0) {
    throw new Error(
      `pgbench ran but its report is not the one expected:\n${stdout}\nRun it by hand to see why.`,
    );
  }
  return {
    ordersPerSecond: round(Number(tps[1])),
    ...(latency ? { latencyAverageMs: Number(latency[1]) } : {}),
  };
}

function sameRoundRatio(runs: Map<string, Run[]>, top: string, bottom: string): number {
  const b = runs.get(bottom)!;
  return round(median(runs.get(top)!.map((run, i) => run.ordersPerSecond / b[i]!.ordersPerSecond)), 3);
}

interface ShardsOnServer {
  url: string;
  shards: number[];
}

/**
 * What the contenders wrote, checked shard by shard: orders on every shard (the customers spread), and 3
 * lines, one outbox event and one answered Idempotency-Key per order. A script drifting from what the
 * service writes fails here. Answers the orders written.
 */
async function checkWrittenRows(setup: string, servers: readonly ShardsOnServer[]): Promise<number> {
  let total = 0;
  for (const { url, shards } of servers) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const perShard = shards.map((shard) => {
        const schema = `"${schemaOf(shard)}"`;
        return (
          `SELECT ${shard} AS shard, (SELECT count(*)::int FROM ${schema}.orders) AS orders, ` +
          `(SELECT count(*)::int FROM ${schema}.order_lines) AS lines, ` +
          `(SELECT count(*)::int FROM ${schema}.outbox_events WHERE type = 'order.placed.v1') AS events, ` +
          `(SELECT count(*)::int FROM ${schema}.idempotency_keys WHERE response_status = 201) AS keys`
        );
      });
      const { rows } = await client.query<{
        shard: number;
        orders: number;
        lines: number;
        events: number;
        keys: number;
      }>(perShard.join(' UNION ALL '));
      for (const { shard, orders, lines, events, keys } of rows) {
        if (orders === 0 || lines !== orders * LINES_PER_ORDER || events !== orders || keys !== orders) {
          throw new Error(
            `Shard ${shard} of the ${setup} setup holds ${orders} orders, ${lines} lines, ${events} order.placed.v1 ` +
              `events and ${keys} answered Idempotency-Keys; every shard should have orders, and every order ` +
              `${LINES_PER_ORDER} lines, one event and one key. Make bench/order/place-order.sql write what the ` +
              "service writes (see the service's SQL with log_statement=all), then run the bench again.",
          );
        }
        total += orders;
      }
    } finally {
      await client.end();
    }
  }
  return total;
}
