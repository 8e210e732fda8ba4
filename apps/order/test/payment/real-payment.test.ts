import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Money } from '@shop/contracts';
import { eventually } from '@shop/testing';
import { startOrderSystem, type OrderSystem } from '../support/order-system.ts';
import { startPaymentService, type PaymentService } from '../support/payment-service.ts';

// The saga end to end with the real payment service and the real sandbox card processor, each its own
// process, on the test kit's PostgreSQL and Kafka, all trusting one stand-in auth service: a customer
// checks out at the order service and pays at the payment service, as the storefront does.

const address = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};

// A visa charge must never meet the timeout on a loaded machine; pm_card_timeout's answer always does.
const PROVIDER_TIMEOUT_MS = 4_000;
const SANDBOX_TIMEOUT_DELAY_MS = 6_000;

interface OrderBody {
  id: string;
  status: string;
  total: Money;
  reason: string | null;
}

interface PaymentBody {
  id: string;
  orderId: string;
  status: string;
  amount: Money;
  refunded: Money;
  failureReason: string | null;
}

interface Customer {
  id: string;
  headers: Record<string, string>;
}

describe('the order saga with the real payment service', () => {
  let system: OrderSystem;
  let payments: PaymentService;

  before(async () => {
    system = await startOrderSystem();
    // The internal order read answers only on the operational listener, as in production.
    await new Promise<void>((resolve) => system.order.opsServer.listen(0, '127.0.0.1', resolve));
    const { port } = system.order.opsServer.address() as AddressInfo;
    payments = await startPaymentService({
      auth: system.auth,
      orderServiceUrl: `http://127.0.0.1:${port}`,
      kafka: system.kafkaSettings,
      env: {
        PAYMENT_PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
        PAYMENT_COMPLETER_INTERVAL_MS: '200',
        PAYMENT_COMPLETER_AFTER_MS: String(PROVIDER_TIMEOUT_MS + 500),
      },
      sandboxEnv: {
        SANDBOX_TIMEOUT_DELAY_MS: String(SANDBOX_TIMEOUT_DELAY_MS),
        SANDBOX_PROCESSING_DELAY_MS: '500',
      },
    });
  });
  after(async () => {
    await payments?.close();
    await system?.close();
  });

  async function customer(): Promise<Customer> {
    const id = randomUUID();
    return { id, headers: await system.auth.bearer(['customer'], { subject: id }) };
  }

  async function checkout(who: Customer, productId: string, quantity: number): Promise<OrderBody> {
    const res = await system.http
      .post('/api/v1/orders')
      .set(who.headers)
      .set('idempotency-key', randomUUID())
      .send({ shippingAddress: address, items: [{ productId, quantity }] })
      .expect(201);
    return res.body as OrderBody;
  }

  async function orderOf(who: Customer, id: string): Promise<OrderBody> {
    return (await system.http.get(`/api/v1/orders/${id}`).set(who.headers).expect(200)).body as OrderBody;
  }

  const orderBecomes = (who: Customer, id: string, status: string) =>
    eventually(`order ${id} ${status}`, async () => (await orderOf(who, id)).status === status && true);

  async function pay(who: Customer, orderId: string, paymentMethod: string, key = randomUUID()) {
    const res = await fetch(`${payments.url}/api/v1/payments`, {
      method: 'POST',
      headers: { ...who.headers, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ orderId, paymentMethod }),
    });
    return { status: res.status, body: (await res.json()) as PaymentBody };
  }

  async function paymentApi<T>(who: Customer, route: string): Promise<T> {
    const res = await fetch(`${payments.url}${route}`, { headers: who.headers });
    assert.equal(res.status, 200, `GET ${route}`);
    return (await res.json()) as T;
  }

  /** The sandbox's charges of one payment (its reference), as the card processor holds them. */
  async function chargesOf(paymentId: string) {
    const query = new URLSearchParams({
      createdFrom: new Date(Date.now() - 3_600_000).toISOString(),
      createdTo: new Date(Date.now() + 60_000).toISOString(),
      limit: '100',
    });
    const res = await fetch(`${payments.sandboxUrl}/v1/charges?${query}`, {
      headers: { authorization: `Bearer ${payments.sandboxApiKey}` },
    });
    assert.equal(res.status, 200);
    const page = (await res.json()) as {
      data: { reference: string; status: string; amount: number; amountRefunded: number }[];
    };
    return page.data.filter((charge) => charge.reference === paymentId);
  }

  test('when a customer pays with pm_card_visa, then the order is confirmed and its stock sold', async () => {
    const product = await system.product.createProduct({
      stock: 5,
      price: { amount: 2_500, currency: 'EUR' },
    });
    const ada = await customer();
    const order = await checkout(ada, product.id, 2);
    assert.deepEqual(await system.stock(product.id), { available: 3, reserved: 2 });

    const paid = await pay(ada, order.id, 'pm_card_visa');
    assert.equal(paid.status, 201);
    assert.equal(paid.body.status, 'succeeded');
    assert.deepEqual(
      paid.body.amount,
      { amount: 5_000, currency: 'EUR' },
      "the order's amount, not the client's",
    );

    await orderBecomes(ada, order.id, 'CONFIRMED');
    assert.deepEqual(
      await system.stock(product.id),
      { available: 3, reserved: 0 },
      'the held units are sold',
    );
    const charges = await chargesOf(paid.body.id);
    assert.deepEqual(
      charges.map(({ status, amount }) => ({ status, amount })),
      [{ status: 'succeeded', amount: 5_000 }],
      'charged once',
    );
  });

  test('when the card is declined, then the order stays payable and a cancel releases its stock', async () => {
    const product = await system.product.createProduct({ stock: 3 });
    const bob = await customer();
    const order = await checkout(bob, product.id, 3);

    const declined = await pay(bob, order.id, 'pm_card_declined');
    assert.equal(declined.status, 201);
    assert.equal(declined.body.status, 'failed');
    assert.equal(declined.body.failureReason, 'card_declined');
    // The order service keeps a declined order payable with another card (apps/order/README.md).
    await eventually(
      'the decline recorded on the order',
      async () => (await orderOf(bob, order.id)).reason === 'payment-failed: card_declined',
    );
    assert.equal((await orderOf(bob, order.id)).status, 'PENDING_PAYMENT');
    assert.deepEqual(await system.stock(product.id), { available: 0, reserved: 3 }, 'still held');

    const cancelled = await system.http
      .post(`/api/v1/orders/${order.id}/cancel`)
      .set(bob.headers)
      .expect(200);
    assert.equal(cancelled.body.status, 'CANCELLED');
    await eventually('the stock released', async () => {
      const stock = await system.stock(product.id);
      return stock.available === 3 && stock.reserved === 0;
    });
    const refused = await pay(bob, order.id, 'pm_card_visa');
    assert.equal(refused.status, 409, 'a cancelled order cannot be paid');
    const charges = await chargesOf(declined.body.id);
    assert.deepEqual(
      charges.map((charge) => charge.status),
      ['failed'],
      'the processor holds the one declined charge and nothing else',
    );
  });

  test('when the provider answers after the timeout, then the client sees processing and the order is still confirmed', async () => {
    const product = await system.product.createProduct({ stock: 4 });
    const carol = await customer();
    const order = await checkout(carol, product.id, 1);

    // The sandbox charges at once and says so by webhook at once; held back, it arrives late, as webhooks
    // may, so only the client's timeout answers first.
    payments.webhooks.pause();
    let pending;
    try {
      pending = await pay(carol, order.id, 'pm_card_timeout');
    } finally {
      payments.webhooks.resume();
    }
    assert.equal(pending.status, 202);
    assert.equal(pending.body.status, 'processing');
    assert.equal((await orderOf(carol, order.id)).status, 'PENDING_PAYMENT');

    await eventually('the payment settled', async () => {
      const payment = await paymentApi<PaymentBody>(carol, `/api/v1/payments/${pending.body.id}`);
      return payment.status === 'succeeded';
    });
    await orderBecomes(carol, order.id, 'CONFIRMED');
    assert.deepEqual(await system.stock(product.id), { available: 3, reserved: 0 });
    const succeeded = await system.eventsOf('payment-events', 'payment.succeeded.v1', order.id);
    assert.equal(succeeded.length, 1, 'settled once, whether by the completer or the webhook');
    assert.equal((await chargesOf(pending.body.id)).length, 1, 'charged once');
  });

  test('when a payment lands after its order was cancelled, then the saga has it refunded once', async () => {
    const product = await system.product.createProduct({
      stock: 2,
      price: { amount: 1_234, currency: 'USD' },
    });
    const dan = await customer();
    const order = await checkout(dan, product.id, 1);

    // pm_card_processing settles at the sandbox a moment later; the customer cancels in between.
    const pending = await pay(dan, order.id, 'pm_card_processing');
    assert.equal(pending.status, 202);
    await system.http.post(`/api/v1/orders/${order.id}/cancel`).set(dan.headers).expect(200);

    await orderBecomes(dan, order.id, 'REFUNDED');
    const payment = await paymentApi<PaymentBody>(dan, `/api/v1/payments/${pending.body.id}`);
    assert.equal(payment.status, 'succeeded');
    assert.deepEqual(payment.refunded, { amount: 1_234, currency: 'USD' });
    const { refunds } = await paymentApi<{ refunds: { amount: Money; status: string }[] }>(
      dan,
      `/api/v1/payments/${pending.body.id}/refunds`,
    );
    assert.deepEqual(
      refunds.map(({ amount, status }) => ({ amount, status })),
      [{ amount: { amount: 1_234, currency: 'USD' }, status: 'succeeded' }],
      'one full refund',
    );
    const [charge] = await chargesOf(pending.body.id);
    assert.equal(charge?.amountRefunded, 1_234, 'the processor refunded the charge once, in full');
    const refunded = await system.eventsOf('payment-events', 'payment.refunded.v1', order.id);
    assert.equal(refunded.length, 1);
    assert.deepEqual(await system.stock(product.id), { available: 2, reserved: 0 }, 'nothing sold');
  });
});
