import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { stopAllServers, waitForJaegerTrace, type JaegerSpan } from '@shop/testing';
import { Shop, type Account } from '../support/shop-client.ts';
import { startShopSystem, type ShopSystem } from '../support/system.ts';

// One checkout, as a browser traces it: the customer's order and payment requests carry a traceparent of one
// trace, and every service's spans (each exporting on its own) must land in that trace in a real Jaeger,
// linked parent to child across the gateway, HTTP calls between services and Kafka.
let system: ShopSystem;
let shop: Shop;
let admin: Account;
before(async () => {
  system = await startShopSystem();
  shop = new Shop(system.url);
  admin = await shop.admin();
});
after(async () => {
  await system?.close();
  await stopAllServers();
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface TracedCheckout {
  traceId: string;
  /** The span ids of the customer's two requests (the client side of the trace). */
  clientSpans: { order: string; payment: string };
}

/** Places and pays an order with a traceparent of one trace on both requests; waits for CONFIRMED. */
async function tracedCheckout(): Promise<TracedCheckout> {
  const traceId = hex(16);
  const clientSpans = { order: hex(8), payment: hex(8) };
  const product = await shop.createProduct(admin, 3);
  const customer = await shop.register();
  await shop.expect(200, 'PUT', `/api/v1/cart/items/${product.id}`, {
    token: customer.token,
    body: { quantity: 1 },
  });
  const placed = await shop.checkout(customer, { traceparent: `00-${traceId}-${clientSpans.order}-01` });
  assert.ok(placed.headers.get('x-request-id'), 'the gateway answers with the request id');
  const paid = await shop.pay(customer, placed.body.id, 'pm_card_visa', {
    traceparent: `00-${traceId}-${clientSpans.payment}-01`,
  });
  assert.equal(paid.status, 201, paid.text);
  await shop.orderReaches(customer, placed.body.id, 'CONFIRMED');
  return { traceId, clientSpans };
}

/** The trace as parent links: find spans, and tell whether one descends from another. */
class Trace {
  readonly spans: JaegerSpan[];
  readonly #byId: Map<string, JaegerSpan>;

  constructor(spans: JaegerSpan[]) {
    this.spans = spans;
    this.#byId = new Map(spans.map((span) => [span.spanId, span]));
  }

  /** The one span of `service` with that kind and operation (a failure lists the trace). */
  only(service: string, kind: string, operation: string): JaegerSpan {
    const found = this.spans.filter(
      (span) =>
        span.serviceName === service && span.tags['span.kind'] === kind && span.operationName === operation,
    );
    assert.equal(
      found.length,
      1,
      `${found.length} spans "${service} ${kind} ${operation}" in:\n${this.describe()}`,
    );
    return found[0]!;
  }

  /** Whether `span` is below `ancestor`, through any spans between (the request span, a transaction). */
  descends(span: JaegerSpan, ancestor: JaegerSpan): boolean {
    for (let at = this.#byId.get(span.parentSpanId ?? ''); at; at = this.#byId.get(at.parentSpanId ?? '')) {
      if (at.spanId === ancestor.spanId) return true;
    }
    return false;
  }

  assertBelow(span: JaegerSpan, ancestor: JaegerSpan): void {
    assert.ok(
      this.descends(span, ancestor),
      `${span.serviceName} "${span.operationName}" is not below ${ancestor.serviceName} "${ancestor.operationName}":\n${this.describe()}`,
    );
  }

  describe(): string {
    return this.spans
      .map(
        (span) =>
          `${span.serviceName} ${span.tags['span.kind']} ${span.operationName} ${span.spanId}<-${span.parentSpanId}`,
      )
      .join('\n');
  }
}

// "service kind operation" of the spans a checkout must leave; each service exports at its own pace.
const CHECKOUT_SPANS = [
  'gateway server POST /api/v1/orders',
  'order server POST /api/v1/orders',
  'product server POST /internal/v1/products/lookup',
  'product server PUT /internal/v1/inventory/reservations/:orderId',
  'gateway server POST /api/v1/payments',
  'payment server POST /api/v1/payments',
  'order server GET /internal/v1/orders/:id',
  'payment-sandbox server POST /v1/charges',
  'payment producer create payment-events',
  'order consumer process payment-events',
  'product consumer process order-events',
  'order consumer process inventory-events',
];

/** Waits until Jaeger has every span of CHECKOUT_SPANS in the trace. */
async function checkoutTrace(traceId: string): Promise<Trace> {
  const spans = await waitForJaegerTrace(system.jaeger!.queryUrl, traceId, (found) => {
    const seen = new Set(
      found.map((span) => `${span.serviceName} ${span.tags['span.kind']} ${span.operationName}`),
    );
    return CHECKOUT_SPANS.every((key) => seen.has(key));
  });
  return new Trace(spans);
}

describe('one checkout is one trace in Jaeger', () => {
  test('when a checkout is traced over OTLP, then Jaeger has it as one trace: gateway, order, product, payment, the Kafka publishes and their consumers, each below its cause', async () => {
    const { traceId, clientSpans } = await tracedCheckout();
    const checkout = await checkoutTrace(traceId);
    assert.ok(checkout.spans.every((span) => span.traceId === traceId));

    // The customer's order request: the gateway below the client, the order service below the gateway.
    const gatewayOrder = checkout.only('gateway', 'server', 'POST /api/v1/orders');
    assert.equal(gatewayOrder.parentSpanId, clientSpans.order);
    const placeOrder = checkout.only('order', 'server', 'POST /api/v1/orders');
    checkout.assertBelow(placeOrder, gatewayOrder);
    // order -> product over HTTP, the prices and then the stock hold.
    const lookup = checkout.only('product', 'server', 'POST /internal/v1/products/lookup');
    const hold = checkout.only('product', 'server', 'PUT /internal/v1/inventory/reservations/:orderId');
    checkout.assertBelow(lookup, placeOrder);
    checkout.assertBelow(hold, placeOrder);
    assert.equal(
      checkout.spans.find((span) => span.spanId === hold.parentSpanId)?.tags['span.kind'],
      'client',
    );

    // The payment request: gateway, payment, its read of the order and its charge at the provider.
    const gatewayPay = checkout.only('gateway', 'server', 'POST /api/v1/payments');
    assert.equal(gatewayPay.parentSpanId, clientSpans.payment);
    const pay = checkout.only('payment', 'server', 'POST /api/v1/payments');
    checkout.assertBelow(pay, gatewayPay);
    checkout.assertBelow(checkout.only('order', 'server', 'GET /internal/v1/orders/:id'), pay);
    checkout.assertBelow(checkout.only('payment-sandbox', 'server', 'POST /v1/charges'), pay);

    // The saga over Kafka: each consumer's span is below the publish of the event it handles.
    const published = checkout.only('payment', 'producer', 'create payment-events');
    checkout.assertBelow(published, pay);
    const paymentOutcome = checkout.only('order', 'consumer', 'process payment-events');
    assert.equal(paymentOutcome.parentSpanId, published.spanId);
    const orderPaid = checkout.only('product', 'consumer', 'process order-events');
    checkout.assertBelow(orderPaid, paymentOutcome);
    const committed = checkout.only('order', 'consumer', 'process inventory-events');
    checkout.assertBelow(committed, orderPaid);
  });

  test('when the product service exports with OTEL_TRACES_EXPORTER=jaeger (Jaeger thrift over HTTP), then its spans join the same checkout trace', async () => {
    await system.restart('product', {
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_JAEGER_ENDPOINT: system.jaeger!.thriftHttpUrl,
    });
    const { traceId } = await tracedCheckout();
    const checkout = await checkoutTrace(traceId);

    const placeOrder = checkout.only('order', 'server', 'POST /api/v1/orders');
    checkout.assertBelow(
      checkout.only('product', 'server', 'PUT /internal/v1/inventory/reservations/:orderId'),
      placeOrder,
    );
    const orderPaid = checkout.only('product', 'consumer', 'process order-events');
    checkout.assertBelow(orderPaid, checkout.only('order', 'consumer', 'process payment-events'));
    checkout.assertBelow(checkout.only('order', 'consumer', 'process inventory-events'), orderPaid);
  });
});
