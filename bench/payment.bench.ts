import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { migrate } from '@shop/database';
import {
  createTestDatabase,
  startAppProcess,
  startTestAuth,
  type AppProcess,
  type TestAuth,
  type TestDatabase,
} from '@shop/testing';
import autocannon from 'autocannon';
import pg from 'pg';
import { startOrderStub, type OrderStub } from '../apps/payment/test/support/order-stub.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { median, round } from './lib/stats.ts';

// POST /api/v1/payments on the real payment service (its main.ts, its own PostgreSQL, the stand-in event
// bus) against the real sandbox at zero added latency, pm_card_visa. The order service is the payment
// tests' stand-in (apps/payment/test/support/order-stub.ts, in this process), which checks the service
// token as the real internal read does and answers a new PENDING_PAYMENT order for every payment.

const PAIRS = 150;
const WARMUP_PAIRS = 20;
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const RUN_SECONDS = 4;
const ROUNDS = 3;
/** A bound on one round's payments, whatever the machine: the stub keeps every order in memory. */
const MAX_PER_ROUND = 20_000;
const SETTLE_TIMEOUT_MS = 30_000;
const PAYMENT_MIGRATIONS = new URL('../apps/payment/prisma/migrations', import.meta.url).pathname;
const SANDBOX_MIGRATIONS = new URL('../apps/payment-sandbox/prisma/migrations', import.meta.url).pathname;
const SANDBOX_API_KEY = 'sk_test_payment_bench_0123456789abcdefgh';
const SANDBOX_WEBHOOK_SECRET = 'whsec_payment_bench_0123456789abcdefgh';

interface System {
  auth: TestAuth;
  orders: OrderStub;
  payment: AppProcess;
  sandbox: AppProcess;
  paymentDb: TestDatabase;
  customerId: string;
  headers: Record<string, string>;
}

async function startSystem(ctx: BenchContext, cleanups: (() => Promise<unknown>)[]): Promise<System> {
  ctx.progress('starting PostgreSQL (or using DATABASE_URL), the stand-in auth and order services');
  const auth = await startTestAuth();
  cleanups.push(() => auth.close());
  const orders = await startOrderStub(auth);
  cleanups.push(() => orders.close());
  const [paymentDb, sandboxDb] = await Promise.all([
    createTestDatabase('bench_payment'),
    createTestDatabase('bench_payment_sandbox'),
  ]);
  cleanups.push(
    () => paymentDb.drop(),
    () => sandboxDb.drop(),
  );
  await migrate({ databaseUrl: paymentDb.url, migrationsDir: PAYMENT_MIGRATIONS });
  await migrate({ databaseUrl: sandboxDb.url, migrationsDir: SANDBOX_MIGRATIONS });

  ctx.progress('starting the payment sandbox (no added latency, no failures, no webhooks)');
  const sandbox = await startAppProcess({
    app: 'payment-sandbox',
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PAYMENT_SANDBOX_DATABASE_URL: sandboxDb.url,
      SANDBOX_API_KEY,
      SANDBOX_WEBHOOK_SECRET,
      SANDBOX_LATENCY_MS: '0',
      SANDBOX_FAILURE_RATE: '0',
    },
  });
  cleanups.push(() => sandbox.dispose());
  ctx.progress('starting the payment service');
  const payment = await startAppProcess({
    app: 'payment',
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PAYMENT_DATABASE_URL: paymentDb.url,
      AUTH_JWKS_URL: auth.jwksUrl,
      AUTH_ISSUER: auth.issuer,
      AUTH_AUDIENCE: auth.audience,
      ORDER_SERVICE_URL: orders.url,
      ...auth.serviceClientEnv('payment'),
      PAYMENT_PROVIDER_URL: sandbox.url,
      PAYMENT_PROVIDER_API_KEY: SANDBOX_API_KEY,
      PAYMENT_PROVIDER_WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET,
      PAYMENT_RECONCILE_INTERVAL_MS: '0',
    },
  });
  cleanups.push(() => payment.dispose());
  const customerId = randomUUID();
  const headers = {
    ...(await auth.bearer(['customer'], { subject: customerId, expiresIn: '15m' })),
    'content-type': 'application/json',
  };
  return { auth, orders, payment, sandbox, paymentDb, customerId, headers };
}

/** One POST /api/v1/payments and how long it took; refuses anything but the answer expected. */
async function timedPay(system: System, orderId: string, key: string, replay: boolean) {
  const started = performance.now();
  const res = await fetch(`${system.payment.url}/api/v1/payments`, {
    method: 'POST',
    headers: { ...system.headers, 'idempotency-key': key },
    body: JSON.stringify({ orderId, paymentMethod: 'pm_card_visa' }),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  const replayed = res.headers.get('idempotent-replayed') === 'true';
  if (res.status !== 201 || replayed !== replay || !text.includes('"status":"succeeded"')) {
    throw new Error(
      `POST /api/v1/payments (${replay ? 'replay' : 'fresh'}) answered ${res.status} ${text.slice(0, 300)}: ` +
        'start the payment service and the sandbox as this bench does and read their logs.',
    );
  }
  return { ms, text };
}

/** Fresh payment, then its replay, one request at a time: both see the same machine at the same moment. */
async function replayVsFresh(system: System, pairs: number) {
  const fresh: number[] = [];
  const replay: number[] = [];
  for (let i = 0; i < pairs; i += 1) {
    const order = system.orders.add(system.customerId);
    const key = randomUUID();
    const first = await timedPay(system, order.id, key, false);
    const again = await timedPay(system, order.id, key, true);
    if (again.text !== first.text) throw new Error('A replay answered other bytes than the first answer.');
    fresh.push(first.ms);
    replay.push(again.ms);
  }
  return { fresh, replay };
}

/** Payments succeeded so far, once none is processing (the last round's stragglers have finished). */
async function settledSucceeded(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const { rows } = await client.query<{ succeeded: number; processing: number }>(
        `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
                count(*) FILTER (WHERE status = 'processing')::int AS processing FROM payments`,
      );
      const { succeeded = 0, processing = 0 } = rows[0] ?? {};
      if (processing === 0) return succeeded;
      if (Date.now() > deadline)
        throw new Error(
          `${processing} payments still processing after the load: read the payment service's log.`,
        );
      await delay(50);
    }
  } finally {
    await client.end();
  }
}

/** Closed-loop fresh payments, each of a new order with a new key; every one must succeed. */
async function createLoad(system: System, seconds: number) {
  const before = await settledSucceeded(system.paymentDb.url);
  const result = await autocannon({
    url: system.payment.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/payments',
        setupRequest: (request) => ({
          ...request,
          headers: { ...system.headers, 'idempotency-key': randomUUID() },
          body: JSON.stringify({
            orderId: system.orders.add(system.customerId).id,
            paymentMethod: 'pm_card_visa',
          }),
        }),
      },
    ],
  });
  const created = result.statusCodeStats?.['201']?.count ?? 0;
  const succeeded = (await settledSucceeded(system.paymentDb.url)) - before;
  // autocannon stops counting at the deadline: the requests then in flight (one per connection) may still
  // have succeeded after it, but no more than that.
  const uncounted = succeeded - created;
  if (
    result.errors + result.timeouts + result.non2xx > 0 ||
    created === 0 ||
    uncounted < 0 ||
    uncounted > CONNECTIONS
  ) {
    throw new Error(
      `Fresh payments got ${result.errors} errors, ${result.timeouts} timeouts and the codes ` +
        `${JSON.stringify(result.statusCodeStats)} (${succeeded} payments succeeded for ${created} 201s): ` +
        "read the payment service's log (its path is in the progress above).",
    );
  }
  if (created > MAX_PER_ROUND) throw new Error(`More than ${MAX_PER_ROUND} payments in a round: shorten it.`);
  return {
    perSecond: round(created / result.duration),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

export default async function paymentBench(ctx: BenchContext): Promise<Figure[]> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const system = await startSystem(ctx, cleanups);
    ctx.progress(`warming up with ${WARMUP_PAIRS} fresh payments and their replays`);
    await replayVsFresh(system, WARMUP_PAIRS);
    ctx.progress(`${PAIRS} fresh payments, each followed by its replay, one at a time`);
    const { fresh, replay } = await replayVsFresh(system, PAIRS);
    const freshP50 = round(median(fresh), 2);
    const replayP50 = round(median(replay), 2);
    // The machine's load beside the figures: on a shared runner it moves them more than the code does.
    const loadAverage1m = round(loadavg()[0] ?? 0, 1);
    ctx.progress(`p50 fresh ${freshP50} ms, replay ${replayP50} ms`);

    ctx.progress(`warming up the create load for ${WARMUP_SECONDS} s`);
    await createLoad(system, WARMUP_SECONDS);
    const runs = [];
    for (let r = 1; r <= ROUNDS; r += 1) {
      const run = { round: r, ...(await createLoad(system, RUN_SECONDS)) };
      runs.push(run);
      ctx.progress(`round ${r}/${ROUNDS}: ${run.perSecond} payments/s, p50 ${run.latencyP50Ms} ms`);
    }
    return [
      {
        name: 'payment_replay_vs_fresh_p50',
        value: round(replayP50 / freshP50, 3),
        unit: 'ratio',
        detail: { freshP50Ms: freshP50, replayP50Ms: replayP50, pairs: PAIRS, loadAverage1m },
      },
      {
        name: 'payment_create_per_s',
        value: median(runs.map((run) => run.perSecond)),
        unit: 'payments/s',
        detail: {
          connections: CONNECTIONS,
          loadAverage1m: round(loadavg()[0] ?? 0, 1),
          latencyP50Ms: median(runs.map((run) => run.latencyP50Ms)),
          latencyP99Ms: median(runs.map((run) => run.latencyP99Ms)),
          runs,
        },
      },
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
