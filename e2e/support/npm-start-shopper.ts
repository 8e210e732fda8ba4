import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loopbackUp } from '@shop/testing';
import { launchChromium, screenshot } from './browser.ts';
import { fillAddress, goToCheckout, orderStatus } from './pages.ts';

// node e2e/support/npm-start-shopper.ts, inside `unshare -n` (e2e/test/npm-start.test.ts runs it there):
// `npm start` exactly as a developer runs it (embedded PostgreSQL in a fresh DEV_DATA_DIR, the in-process
// stand-ins for Redis and Kafka, the Vite dev server on :3000), then a shopper in Chromium at the URL it
// prints: picks a product, adds it to the cart, signs in as the demo customer (the guest cart comes
// along), pays with the sandbox's Visa card and waits for CONFIRMED; then npm start is stopped. The
// namespace gives it the fixed ports of npm start without meeting other tests or a shop already running.
// Prints a JSON report on stdout; progress on stderr.

export interface NpmStartReport {
  startedInMs: number;
  product: { id: string; name: string };
  orderId: string;
  pageStatus: string;
  /** The order as the gateway answers it to the customer afterwards. */
  apiStatus: string;
  stopExitCode: number | null;
  stoppedCleanly: boolean;
  /** npm start's lines about a process that exited on its own (none when the stop went as asked). */
  unexpectedExits: string[];
}

const ROOT = path.join(import.meta.dirname, '..', '..');
const STOREFRONT = 'http://localhost:3000';
const GATEWAY = 'http://127.0.0.1:8080';
const DEMO_CUSTOMER = { email: 'customer@shop.local', password: 'customer-dev-password' };
const UP_TIMEOUT_MS = 300_000;
const log = (message: string) => process.stderr.write(`[npm-start] ${message}\n`);

await loopbackUp();
const dataDir = await mkdtemp(path.join(tmpdir(), 'shop-npm-start-'));
const logFile = path.join(dataDir, 'npm-start.log');
const logStream = createWriteStream(logFile);
// What a developer's shell would have: none of the test kit's server URLs (unreachable from here anyway),
// so npm start makes its own embedded database, as it does on a fresh clone.
const env: NodeJS.ProcessEnv = { DEV_DATA_DIR: dataDir };
for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
  // eslint-disable-next-line no-restricted-properties -- the shell around npm start
  if (process.env[name] !== undefined) env[name] = process.env[name];
}

const started = Date.now();
log(`npm start (data in ${dataDir}, its log ${logFile}) ...`);
const start = spawn(process.execPath, [path.join(ROOT, 'tools', 'start.ts')], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const exited = once(start, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
let stoppedCleanly = false;
const unexpectedExits: string[] = [];
const up = new Promise<void>((resolve, reject) => {
  for (const stream of [start.stdout, start.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      logStream.write(`${line}\n`);
      if (line.startsWith('[start] ')) process.stderr.write(`  ${line}\n`);
      if (line.includes('[start] Press Ctrl-C to stop.')) resolve();
      if (line.includes('[start] stopped')) stoppedCleanly = true;
      if (/^\[start\] .* exited with \d+/.test(line)) unexpectedExits.push(line);
    });
  }
  void exited.then(([code]) => reject(new Error(`npm start exited with ${code} before it was up`)));
  setTimeout(
    () => reject(new Error(`npm start was not up within ${UP_TIMEOUT_MS / 1000} s`)),
    UP_TIMEOUT_MS,
  ).unref();
});

async function stopStart(): Promise<number | null> {
  if (start.exitCode === null && start.signalCode === null) start.kill('SIGTERM');
  const timer = setTimeout(() => start.kill('SIGKILL'), 60_000);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

async function api<T>(method: string, route: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(`${GATEWAY}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${route} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

try {
  await up;
  const startedInMs = Date.now() - started;
  log(`up in ${(startedInMs / 1000).toFixed(1)} s; a shopper opens ${STOREFRONT}`);
  // A product of the seeded demo catalog that can be bought.
  const listed = await api<{ items: { id: string; name: string }[] }>(
    'GET',
    '/api/v1/products?inStock=true&limit=5',
  );
  const product = listed.items[0];
  if (product === undefined) throw new Error('the seeded catalog has no product in stock');

  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ baseURL: STOREFRONT, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // Vite's dev server compiles the page on its first request.
    page.setDefaultTimeout(60_000);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Featured' }).waitFor();
    await page.goto(`/products/${product.id}`);
    await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('status').filter({ hasText: 'Added' }).waitFor();

    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Email').fill(DEMO_CUSTOMER.email);
    await page.getByLabel('Password').fill(DEMO_CUSTOMER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Hi, ').waitFor();

    // The guest's line came along into the demo customer's cart.
    await page.getByRole('link', { name: /^Cart/ }).click();
    await page.getByRole('link', { name: product.name }).waitFor();
    await goToCheckout(page);
    await fillAddress(page);
    await page.getByLabel(/Visa test card/).check();
    await page.getByRole('button', { name: 'Place order' }).click();
    await orderStatus(page, 'CONFIRMED');
    await screenshot(page, 'npm-start-order-confirmed');
    const orderId = new URL(page.url()).pathname.split('/').pop()!;
    const pageStatus = (await page.locator('[data-status]').first().getAttribute('data-status')) ?? '';

    const session = await api<{ accessToken: string }>('POST', '/api/v1/auth/login', DEMO_CUSTOMER);
    const order = await api<{ status: string }>(
      'GET',
      `/api/v1/orders/${orderId}`,
      undefined,
      session.accessToken,
    );
    log(
      `order ${orderId}: the page shows ${pageStatus}, the API answers ${order.status}; stopping npm start ...`,
    );
    await context.close();
    const stopExitCode = await stopStart();
    const report: NpmStartReport = {
      startedInMs,
      product,
      orderId,
      pageStatus,
      apiStatus: order.status,
      stopExitCode,
      stoppedCleanly,
      unexpectedExits,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await browser.close();
  }
} catch (error) {
  const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
  log(`${error instanceof Error ? error.message : String(error)}\nthe last lines of npm start:\n${tail}`);
  process.exitCode = 1;
} finally {
  await stopStart();
  logStream.end();
  await rm(dataDir, { recursive: true, force: true });
}
