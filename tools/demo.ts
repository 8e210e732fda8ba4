import { randomUUID } from 'node:crypto';

// npm run demo: one shopper's whole visit through the gateway of a running shop (npm start): register,
// search the catalog, fill the cart, check out, pay with a sandbox test card, and follow the order until
// CONFIRMED, printing each request and its answer. Options: DEMO_GATEWAY_URL (default
// http://127.0.0.1:8080), DEMO_CARD (default pm_card_visa; try pm_card_declined or pm_card_timeout),
// DEMO_SEARCH (default "shirt"), DEMO_TIMEOUT_MS (how long to follow the order, default 60000).

const GATEWAY = (process.env['DEMO_GATEWAY_URL'] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const CARD = process.env['DEMO_CARD'] ?? 'pm_card_visa';
const SEARCH = process.env['DEMO_SEARCH'] ?? 'shirt';
const TIMEOUT_MS = Number(process.env['DEMO_TIMEOUT_MS'] ?? 60_000);
// The states an order does not leave by itself (apps/order/README.md, "The order lifecycle").
const FINAL_STATES = new Set(['CONFIRMED', 'CANCELLED', 'REFUNDED']);

interface Money {
  amount: number;
  currency: string;
}

const say = (message: string) => process.stdout.write(`${message}\n`);
const money = ({ amount, currency }: Money) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 100);

class DemoError extends Error {}

/** One call to the gateway, printed as `METHOD path -> status`; an unexpected status stops the demo. */
async function call<T>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; idempotencyKey?: string; expect?: number[] } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const response = await fetch(`${GATEWAY}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  }).catch((error: unknown) => {
    throw new DemoError(
      `${method} ${GATEWAY}${path} failed (${(error as Error).message}); is the shop running? Start it with npm start.`,
    );
  });
  const text = await response.text();
  const expected = options.expect ?? [200];
  say(`  ${method} ${path} -> ${response.status}`);
  if (!expected.includes(response.status)) {
    throw new DemoError(
      `${method} ${path} answered ${response.status}, not ${expected.join(' or ')}: ${text.slice(0, 500)}`,
    );
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

async function main(): Promise<void> {
  say(`The shop at ${GATEWAY}, through its gateway only.\n`);

  say('1. Register a new customer');
  const email = `demo-${randomUUID().slice(0, 8)}@shop.local`;
  const session = await call<{ accessToken: string }>('POST', '/api/v1/auth/register', {
    body: { email, password: 'demo-password-1234', name: 'Demo Shopper' },
    expect: [201],
  });
  const token = session.accessToken;
  say(`   ${email} is signed in (access token in memory only)\n`);

  say(`2. Search the catalog for "${SEARCH}", in stock`);
  const query = new URLSearchParams({ q: SEARCH, inStock: 'true', limit: '3' });
  let page = await call<{ items: { id: string; name: string; price: Money }[] }>(
    'GET',
    `/api/v1/products?${query}`,
  );
  if (page.items.length === 0) {
    say(`   nothing matches "${SEARCH}"; any product in stock will do`);
    page = await call('GET', '/api/v1/products?inStock=true&limit=3');
  }
  const product = page.items[0];
  if (product === undefined) {
    throw new DemoError('the catalog has no product in stock; seed it with npm run seed and try again.');
  }
  for (const item of page.items) say(`   ${item.name}: ${money(item.price)}`);
  say('');

  say(`3. Put two of "${product.name}" in the cart`);
  const cart = await call<{ subtotals: Money[]; checkoutReady: boolean }>(
    'PUT',
    `/api/v1/cart/items/${product.id}`,
    { token, body: { quantity: 2 } },
  );
  say(`   subtotal ${cart.subtotals.map(money).join(' + ')}, ready to check out: ${cart.checkoutReady}\n`);

  say('4. Check out (one Idempotency-Key per attempt: a retry never makes a second order)');
  const order = await call<{ id: string; status: string; total: Money }>('POST', '/api/v1/orders', {
    token,
    idempotencyKey: randomUUID(),
    body: {
      shippingAddress: {
        name: 'Demo Shopper',
        line1: '1 Example Street',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
    },
    expect: [201],
  });
  say(`   order ${order.id}: ${order.status}, ${money(order.total)}; the stock is held for it\n`);

  say(`5. Pay with the sandbox card ${CARD} (the amount comes from the order, never from the client)`);
  const payment = await call<{ id: string; status: string; failureReason: string | null }>(
    'POST',
    '/api/v1/payments',
    {
      token,
      idempotencyKey: randomUUID(),
      body: { orderId: order.id, paymentMethod: CARD },
      expect: [201, 202],
    },
  );
  say(
    `   payment ${payment.id}: ${payment.status}${payment.failureReason ? ` (${payment.failureReason})` : ''}\n`,
  );

  say('6. Follow the order as the saga moves it (payment -> stock committed)');
  const deadline = Date.now() + TIMEOUT_MS;
  let last = order.status;
  say(`   ${last}`);
  while (Date.now() < deadline) {
    const current = await fetch(`${GATEWAY}/api/v1/orders/${order.id}`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((response) => response.json() as Promise<{ status: string; reason: string | null }>);
    if (current.status !== last) {
      last = current.status;
      say(`   ${last}${current.reason ? ` (${current.reason})` : ''}`);
    }
    if (FINAL_STATES.has(last) || (payment.status === 'failed' && last === 'PENDING_PAYMENT')) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (last === 'CONFIRMED') {
    say('\nDone: the order is CONFIRMED. See it at GET /api/v1/orders/<id>, and the API at /docs.');
  } else if (payment.status === 'failed') {
    say(
      `\nThe card was refused, as ${CARD} is meant to be; the order waits for another card until it expires.`,
    );
  } else if (!FINAL_STATES.has(last)) {
    throw new DemoError(
      `the order is still ${last} after ${TIMEOUT_MS / 1000} s; check the order and payment logs of npm start.`,
    );
  } else {
    say(`\nThe order ended ${last}.`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[demo] ${error instanceof DemoError ? error.message : String(error)}\n`);
  process.exit(1);
});
