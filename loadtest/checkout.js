// @ts-check
// A small k6 load test of the checkout path through the gateway, as compose runs it
// (`docker compose run --rm k6`, see docs/COMPOSE.md): each virtual user signs in as its own customer,
// browses the catalog, puts a product in the cart, checks out with an Idempotency-Key and pays with the
// sandbox's always-approved test card. K6_VUS and K6_DURATION (k6's own variables) size it; GATEWAY_URL
// says where the gateway is. Type-checked with tsc against @types/k6 (loadtest/tsconfig.json).
import { check, fail, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Trend } from 'k6/metrics';

const GATEWAY = __ENV.GATEWAY_URL || 'http://localhost:8080';
// The gateway allows 5 sign-ups a minute from one address: at most that many customers, shared by the VUs.
const CUSTOMERS = Math.min(Number(__ENV.K6_VUS || 5), 5);
const PASSWORD = 'k6 load test passphrase';
const CARD = __ENV.K6_CARD || 'pm_card_visa';

const checkoutDuration = new Trend('shop_checkout_duration', true);

/** @type {import('k6/options').Options} */
export const options = {
  // Sign-ups and the first catalog read; k6 stops the run if setup takes longer.
  setupTimeout: '60s',
  thresholds: {
    // Every answer but the rate limiter's 429 is a success or a bug (a 5xx, a refused checkout).
    http_req_failed: ['rate<0.01'],
    'checks{check:checkout}': ['rate>0.99'],
    shop_checkout_duration: ['p(95)<2000'],
  },
};

/**
 * @param {string} method
 * @param {string} path
 * @param {{ token?: string, body?: unknown, idempotencyKey?: string }} [request]
 */
function call(method, path, request = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'content-type': 'application/json' };
  if (request.token) headers['authorization'] = `Bearer ${request.token}`;
  if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
  const body = request.body === undefined ? null : JSON.stringify(request.body);
  return http.request(method, `${GATEWAY}${path}`, body, {
    headers,
    tags: { name: path.replace(/[0-9a-f-]{36}/g, ':id').replace(/\?.*$/, '') },
    responseCallback: http.expectedStatuses({ min: 200, max: 399 }, 429),
  });
}

/**
 * A field of a JSON answer, or fail the iteration with what came back.
 * @param {import('k6/http').RefinedResponse<'text'>} response
 * @param {string} name
 */
function field(response, name) {
  const value = response.json(name);
  if (value === undefined || value === null)
    fail(
      `${response.request.method} ${response.url}: ${response.status} without ${name}: ${String(response.body).slice(0, 200)}`,
    );
  return value;
}

export function setup() {
  const run = Date.now().toString(36);
  const tokens = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const response = call('POST', '/api/v1/auth/register', {
      body: { email: `k6-${run}-${i}@shop.example`, password: PASSWORD, name: `k6 customer ${i}` },
    });
    if (response.status !== 201)
      fail(`sign-up answered ${response.status}: ${String(response.body).slice(0, 200)}`);
    tokens.push(String(field(response, 'accessToken')));
  }
  const page = call('GET', '/api/v1/products?inStock=true&limit=50');
  const products = /** @type {{ id: string }[]} */ (field(page, 'items'));
  if (products.length === 0) fail('the catalog has no product in stock; did product-seed run?');
  return { tokens, productIds: products.map((p) => p.id) };
}

/** @param {{ tokens: string[], productIds: string[] }} data */
export default function (data) {
  const iteration = exec.scenario.iterationInTest;
  const token = data.tokens[exec.vu.idInTest % data.tokens.length];
  const productId = data.productIds[iteration % data.productIds.length];
  if (!token || !productId) fail('setup gave no customer or product');

  check(call('GET', '/api/v1/products?limit=20'), { browse: (r) => r.status === 200 });
  check(call('GET', `/api/v1/products/${productId}`), { product: (r) => r.status === 200 });
  check(call('PUT', `/api/v1/cart/items/${productId}`, { token, body: { quantity: 1 } }), {
    cart: (r) => r.status === 200,
  });

  const started = Date.now();
  const key = `k6-${exec.vu.idInTest}-${iteration}-${started}`;
  const order = call('POST', '/api/v1/orders', {
    token,
    idempotencyKey: `${key}-order`,
    body: {
      shippingAddress: {
        name: 'k6',
        line1: '1 Load Street',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
    },
  });
  if (order.status === 429) return sleep(Number(order.headers['Retry-After'] || 1));
  const placed = check(order, { checkout: (r) => r.status === 201 });
  if (placed) {
    const payment = call('POST', '/api/v1/payments', {
      token,
      idempotencyKey: `${key}-payment`,
      body: { orderId: String(field(order, 'id')), paymentMethod: CARD },
    });
    check(payment, { payment: (r) => r.status === 201 || r.status === 202 || r.status === 429 });
    checkoutDuration.add(Date.now() - started);
  }
  // At most 20 checkouts a minute per customer (the gateway's RATE_LIMIT_CHECKOUT): about 3 s per round.
  sleep(3);
}
