import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually } from '@shop/testing';
import { ADMIN } from './system.ts';

/** What the gateway answered; `body` is the parsed JSON (or the text when it is not JSON). */
export interface Answer {
  status: number;
  headers: Headers;
  // Answers are asserted field by field in the tests; their schemas are the services' to check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface RequestOptions {
  token?: string;
  /** A value is sent as JSON; a string as it is (with the content type given in `headers`). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A customer (or the admin) as the tests use it: its token and ids. */
export interface Account {
  email: string;
  password: string;
  token: string;
}

export const SHIPPING_ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
};

/** HTTP to the shop through its gateway, and the steps of a customer's journey. */
export class Shop {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (typeof options.body === 'string') body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: the text is the body.
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  /** Like request, but asserts the status (showing the answer when it differs). */
  async expect(status: number, method: string, path: string, options?: RequestOptions): Promise<Answer> {
    const answer = await this.request(method, path, options);
    assert.equal(answer.status, status, `${method} ${path} answered ${answer.status}: ${answer.text}`);
    return answer;
  }

  async register(name = 'Ada'): Promise<Account> {
    const email = `e2e-${randomUUID()}@example.com`;
    const password = `an e2e passphrase ${randomUUID()}`;
    await this.expect(201, 'POST', '/api/v1/auth/register', { body: { email, password, name } });
    return this.logIn(email, password);
  }

  async logIn(email: string, password: string): Promise<Account> {
    const answer = await this.expect(200, 'POST', '/api/v1/auth/login', { body: { email, password } });
    return { email, password, token: answer.body.accessToken as string };
  }

  admin(): Promise<Account> {
    return this.logIn(ADMIN.email, ADMIN.password);
  }

  /** A product on sale with `stock` units, created by the admin through the gateway. */
  async createProduct(admin: Account, stock = 5, amount = 2_500): Promise<{ id: string; name: string }> {
    const sku = `E2E-${randomUUID().slice(0, 8).toUpperCase()}`;
    const answer = await this.expect(201, 'POST', '/api/v1/products', {
      token: admin.token,
      body: {
        sku,
        name: `E2E kettle ${sku}`,
        category: 'e2e-kitchen',
        price: { amount, currency: 'USD' },
        stock,
      },
    });
    return { id: answer.body.id as string, name: answer.body.name as string };
  }

  /** Checkout of the customer's cart; the order as the 201 gave it, plus the request id the gateway set. */
  async checkout(customer: Account, headers: Record<string, string> = {}): Promise<Answer> {
    return this.expect(201, 'POST', '/api/v1/orders', {
      token: customer.token,
      headers: { 'idempotency-key': randomUUID(), ...headers },
      body: { shippingAddress: SHIPPING_ADDRESS },
    });
  }

  pay(customer: Account, orderId: string, paymentMethod: string, headers: Record<string, string> = {}) {
    return this.request('POST', '/api/v1/payments', {
      token: customer.token,
      headers: { 'idempotency-key': randomUUID(), ...headers },
      body: { orderId, paymentMethod },
    });
  }

  /** Polls the customer's order (through the gateway) until it has `status`; returns it. */
  async orderReaches(customer: Account, orderId: string, status: string, timeoutMs = 30_000) {
    let last = '';
    return eventually(
      `order ${orderId} to reach ${status}`,
      async () => {
        const answer = await this.expect(200, 'GET', `/api/v1/orders/${orderId}`, { token: customer.token });
        last = answer.body.status as string;
        if (last !== status) throw new Error(`it is ${last}`);
        return answer.body;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  async paymentReaches(customer: Account, paymentId: string, status: string, timeoutMs = 30_000) {
    return eventually(
      `payment ${paymentId} to reach ${status}`,
      async () => {
        const answer = await this.expect(200, 'GET', `/api/v1/payments/${paymentId}`, {
          token: customer.token,
        });
        if (answer.body.status !== status) throw new Error(`it is ${answer.body.status}`);
        return answer.body;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }
}
