import { randomUUID } from 'node:crypto';

/** Public base URLs of the services the traffic goes to (npm start's defaults unless given). */
export interface TrafficTargets {
  /** The public entry: catalog reads go through it too, so its series have traffic. */
  gateway: string;
  auth: string;
  product: string;
  order: string;
  payment: string;
  paymentSandbox: string;
}

export const NPM_START_TARGETS: TrafficTargets = {
  gateway: 'http://127.0.0.1:8080',
  auth: 'http://127.0.0.1:3001',
  product: 'http://127.0.0.1:3002',
  order: 'http://127.0.0.1:3003',
  payment: 'http://127.0.0.1:3004',
  paymentSandbox: 'http://127.0.0.1:3005',
};

export interface TrafficReport {
  requests: number;
  /** Requests answered by status class ("2xx", "4xx", ...). */
  byClass: Record<string, number>;
  checkouts: number;
  payments: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A bounded, realistic mix of requests: customers register and log in, browse and read products (cache
 * hits and misses), put items in a cart, check out with an Idempotency-Key and create a payment; plus a
 * few bad requests (4xx) and unknown paths, so every RED series and every SLI route has samples.
 */
export async function driveTraffic(
  targets: TrafficTargets,
  opts: { customers: number; log?: (message: string) => void },
): Promise<TrafficReport> {
  const report: TrafficReport = { requests: 0, byClass: {}, checkouts: 0, payments: 0 };
  const call = async (
    url: string,
    init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown }> => {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    report.requests += 1;
    const statusClass = `${String(response.status)[0]}xx`;
    report.byClass[statusClass] = (report.byClass[statusClass] ?? 0) + 1;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a 404 page, metrics text): kept as text.
    }
    return { status: response.status, body };
  };

  const page = await call(`${targets.product}/api/v1/products?limit=50`);
  const products = ((page.body as { items?: { id: string }[] }).items ?? []).map((item) => item.id);
  if (products.length === 0) {
    throw new Error(
      `GET ${targets.product}/api/v1/products answered ${page.status} without products; is the catalog seeded (npm start seeds it)?`,
    );
  }

  for (let customer = 0; customer < opts.customers; customer += 1) {
    const email = `load-${randomUUID()}@example.com`;
    const password = 'correct horse battery staple';
    await call(`${targets.auth}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password, name: `Load ${customer}` },
    });
    const login = await call(`${targets.auth}/api/v1/auth/login`, {
      method: 'POST',
      body: { email, password },
    });
    const token = (login.body as { accessToken?: string }).accessToken;
    if (token === undefined) {
      throw new Error(`login answered ${login.status} without an accessToken: ${JSON.stringify(login.body)}`);
    }
    await call(`${targets.auth}/api/v1/auth/me`, { token });

    // Zipf-like: the first products are read far more often, so the cache has hits and misses.
    for (let read = 0; read < 6; read += 1) {
      const index = Math.min(products.length - 1, Math.floor(products.length * Math.random() ** 3));
      await call(`${targets.product}/api/v1/products/${products[index]}`);
    }
    await call(`${targets.product}/api/v1/products?limit=20&q=chinos`);
    await call(`${targets.gateway}/api/v1/products/${products[customer % products.length]}`);
    await call(`${targets.gateway}/api/v1/products?limit=10`);
    await call(`${targets.product}/api/v1/categories`);

    const productId = products[customer % products.length]!;
    await call(`${targets.order}/api/v1/cart/items/${productId}`, {
      method: 'PUT',
      token,
      body: { quantity: 1 },
    });
    await call(`${targets.order}/api/v1/cart`, { token });
    const checkout = await call(`${targets.order}/api/v1/orders`, {
      method: 'POST',
      token,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        shippingAddress: {
          name: 'Ada',
          line1: '1 Main St',
          city: 'Berlin',
          postalCode: '10115',
          country: 'DE',
        },
      },
    });
    if (checkout.status === 201) report.checkouts += 1;
    await call(`${targets.order}/api/v1/orders`, { token });
    const orderId = (checkout.body as { id?: string }).id;
    const payment = await call(`${targets.payment}/api/v1/payments`, {
      method: 'POST',
      token,
      headers: { 'idempotency-key': randomUUID() },
      body: { orderId, paymentMethod: 'pm_card_visa' },
    });
    if (payment.status === 201) report.payments += 1;

    // Bad input and unknown paths: 4xx series, never 5xx.
    await call(`${targets.order}/api/v1/orders`, { method: 'POST', token, body: { shippingAddress: {} } });
    await call(`${targets.product}/api/v1/products/not-a-uuid`);
    await call(`${targets.paymentSandbox}/api/v1/does-not-exist`);
    if ((customer + 1) % 5 === 0)
      opts.log?.(`${customer + 1}/${opts.customers} customers, ${report.requests} requests`);
  }
  return report;
}
