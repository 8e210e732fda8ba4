import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Shop, SHIPPING_ADDRESS, type Account } from '../e2e/support/shop-client.ts';
import { SERVICE_NAMES, startShopSystem, type ServiceName, type ShopSystem } from '../e2e/support/system.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { round } from './lib/stats.ts';

// Complete checkouts through the gateway of the whole shop, as e2e runs it: every service its own process,
// the order's 16 shards on two PostgreSQL servers, Redis, Kafka, service tokens; tracing off. Each virtual
// customer loops: one product into the cart, the order placed (Idempotency-Key), paid with pm_card_visa at
// the sandbox's zero added latency, and the order polled every 200 ms until CONFIRMED, as an order page
// follows it. A checkout counts when CONFIRMED is seen, so the saga over Kafka (paid -> stock committed ->
// confirmed) is inside the figure, and so are the polls inside the CPU per checkout.
// Each service's CPU comes from its own process_cpu_seconds_total (/metrics on its operational listener),
// the machine's from /proc/stat: CPU-ms per checkout per service, for the replica counts of k8s/.

const CUSTOMERS = 12;
const PRODUCTS = 8;
const STOCK = 1_000_000;
const WARMUP_SECONDS = 5;
const RUN_SECONDS = 20;
/** A bound whatever the machine: at most this many checkouts in the measured window. */
const MAX_CHECKOUTS = 20_000;
/** How often a customer's page asks for the order's status while it waits for CONFIRMED. */
const POLL_MS = 200;
const CONFIRM_TIMEOUT_MS = 30_000;
/** The seed's Black Friday peak: 50,000 orders a minute. */
const PEAK_ORDERS_PER_S = 833;
/** How busy a replica (one Node.js event loop, at most one core) may run at the peak. */
const TARGET_CORE_UTILISATION = 0.6;

interface Window {
  latenciesMs: number[];
  polls: number;
  failures: Map<string, number>;
}

async function cpuSecondsOf(system: ShopSystem, name: ServiceName): Promise<number> {
  const response = await fetch(`${system.services[name].opsUrl}/metrics`);
  const text = await response.text();
  const value = /^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
  if (value === undefined) {
    throw new Error(
      `${name}'s /metrics answered ${response.status} with no process_cpu_seconds_total ` +
        `(${text.slice(0, 300)}): check its metrics plugin.`,
    );
  }
  return Number(value);
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
async function machineBusySeconds(): Promise<number> {
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const [user, nice, system, , , irq, softirq, steal] = cpu!.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

async function cpuSnapshot(system: ShopSystem) {
  const services = Object.fromEntries(
    await Promise.all(SERVICE_NAMES.map(async (name) => [name, await cpuSecondsOf(system, name)] as const)),
  ) as Record<ServiceName, number>;
  const own = process.cpuUsage();
  return { services, bench: (own.user + own.system) / 1e6, machine: await machineBusySeconds() };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One customer's checkout, start to CONFIRMED; throws with the step that failed. Returns the status polls. */
async function checkout(shop: Shop, customer: Account, productId: string): Promise<number> {
  const token = customer.token;
  const put = await shop.request('PUT', `/api/v1/cart/items/${productId}`, { token, body: { quantity: 1 } });
  if (put.status !== 200) throw new Error(`cart ${put.status}`);
  const order = await shop.request('POST', '/api/v1/orders', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { shippingAddress: SHIPPING_ADDRESS },
  });
  if (order.status !== 201) throw new Error(`order ${order.status}`);
  const orderId = order.body.id as string;
  const payment = await shop.pay(customer, orderId, 'pm_card_visa');
  if (payment.status !== 201) throw new Error(`payment ${payment.status}`);
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  for (let polls = 1; ; polls++) {
    const read = await shop.request('GET', `/api/v1/orders/${orderId}`, { token });
    if (read.body?.status === 'CONFIRMED') return polls;
    if (read.status !== 200) throw new Error(`order read ${read.status}`);
    if (Date.now() > deadline) throw new Error(`still ${read.body.status} after ${CONFIRM_TIMEOUT_MS} ms`);
    await delay(POLL_MS);
  }
}

async function runCustomers(
  shop: Shop,
  customers: readonly Account[],
  productIds: readonly string[],
  seconds: number,
): Promise<Window & { durationSeconds: number }> {
  const window: Window = { latenciesMs: [], polls: 0, failures: new Map() };
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    customers.map(async (customer, i) => {
      for (let n = i; performance.now() < end && window.latenciesMs.length < MAX_CHECKOUTS; n++) {
        const t0 = performance.now();
        try {
          window.polls += await checkout(shop, customer, productIds[n % productIds.length]!);
          window.latenciesMs.push(performance.now() - t0);
        } catch (error) {
          const reason = error instanceof Error ? error.message.split(' ')[0]! : 'unknown';
          window.failures.set(reason, (window.failures.get(reason) ?? 0) + 1);
        }
      }
    }),
  );
  return { ...window, durationSeconds: (performance.now() - started) / 1000 };
}

export default async function checkoutBench(ctx: BenchContext): Promise<Figure[]> {
  ctx.progress(
    'starting the whole shop as processes (PostgreSQL x2, Redis, Kafka, 6 services; tracing off) ...',
  );
  const system = await startShopSystem({
    tracing: false,
    env: {
      gateway: { RATE_LIMIT_PER_USER: '1000000', RATE_LIMIT_CHECKOUT: '1000000' },
    },
  });
  try {
    const shop = new Shop(system.url);
    const admin = await shop.admin();
    ctx.progress(`creating ${PRODUCTS} products and registering ${CUSTOMERS} customers`);
    const products = await Promise.all(
      Array.from({ length: PRODUCTS }, () => shop.createProduct(admin, STOCK, 1_999)),
    );
    const productIds = products.map((p) => p.id);
    const customers: Account[] = [];
    for (let i = 0; i < CUSTOMERS; i++) customers.push(await shop.register(`Bench ${i}`));

    ctx.progress(`warming up for ${WARMUP_SECONDS} s`);
    await runCustomers(shop, customers, productIds, WARMUP_SECONDS);
    ctx.progress(`measuring ${CUSTOMERS} customers checking out for ${RUN_SECONDS} s`);
    const before = await cpuSnapshot(system);
    const window = await runCustomers(shop, customers, productIds, RUN_SECONDS);
    const after = await cpuSnapshot(system);

    const done = window.latenciesMs.length;
    if (done === 0) {
      throw new Error(
        `no checkout reached CONFIRMED (failures: ${JSON.stringify(Object.fromEntries(window.failures))}); ` +
          "read the services' logs under the test kit's scratch folder and run npm run bench -- checkout again.",
      );
    }
    const perSecond = done / window.durationSeconds;
    const sorted = [...window.latenciesMs].sort((a, b) => a - b);
    const cores: Record<string, number> = {};
    const cpuMsPerCheckout: Record<string, number> = {};
    const replicasAtPeak: Record<string, number> = {};
    for (const name of SERVICE_NAMES) {
      const seconds = after.services[name] - before.services[name];
      cores[name] = round(seconds / window.durationSeconds, 2);
      cpuMsPerCheckout[name] = round((seconds * 1000) / done, 2);
      replicasAtPeak[name] = Math.ceil((PEAK_ORDERS_PER_S * seconds) / done / TARGET_CORE_UTILISATION);
    }
    const servicesSeconds = SERVICE_NAMES.reduce(
      (sum, name) => sum + after.services[name] - before.services[name],
      0,
    );
    const benchSeconds = after.bench - before.bench;
    const machineSeconds = after.machine - before.machine;
    // PostgreSQL, Redis, Kafka and anything else the machine ran in the window.
    const otherSeconds = Math.max(0, machineSeconds - servicesSeconds - benchSeconds);
    const busiest = SERVICE_NAMES.reduce((a, b) => (cores[a]! >= cores[b]! ? a : b));
    ctx.progress(
      `${done} checkouts in ${round(window.durationSeconds, 1)} s; busiest process: ${busiest} (${cores[busiest]} cores)`,
    );
    return [
      {
        name: 'checkout_per_s',
        value: round(perSecond, 1),
        unit: 'checkouts/s',
        detail: {
          peakOrdersPerS: PEAK_ORDERS_PER_S,
          fractionOfPeak: round(perSecond / PEAK_ORDERS_PER_S, 3),
          p50Ms: round(percentile(sorted, 50), 1),
          p99Ms: round(percentile(sorted, 99), 1),
          failures: Object.fromEntries(window.failures),
          statusPollsPerCheckout: round(window.polls / done, 1),
          customers: CUSTOMERS,
          runSeconds: RUN_SECONDS,
          busiestProcess: busiest,
          coresUsed: {
            ...cores,
            'load generator': round(benchSeconds / window.durationSeconds, 2),
            'PostgreSQL, Redis, Kafka, other': round(otherSeconds / window.durationSeconds, 2),
            machine: round(machineSeconds / window.durationSeconds, 2),
          },
          cpuMsPerCheckout: {
            ...cpuMsPerCheckout,
            'PostgreSQL, Redis, Kafka, other': round((otherSeconds * 1000) / done, 2),
          },
          replicasAtPeak,
          replicasAtPeakAssumes: `${PEAK_ORDERS_PER_S} checkouts/s, one core per replica at ${TARGET_CORE_UTILISATION * 100}%`,
        },
      },
    ];
  } finally {
    await system.close();
  }
}
