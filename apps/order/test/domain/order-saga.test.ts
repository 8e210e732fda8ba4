import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventContract } from '@shop/contracts';
import type { Order } from '../../src/domain/order.ts';
import {
  cancel,
  onPaymentFailed,
  onPaymentRefunded,
  onPaymentSucceeded,
  onStockCommitFailed,
  onStockCommitted,
} from '../../src/domain/order-saga.ts';
import type { OrderUnitOfWork } from '../../src/domain/ports.ts';

// The saga's decisions, checked over every interleaving of what can happen to one order. The database
// is a map here (the same reactions run against real PostgreSQL and Kafka in the checkout tests); what
// this adds is breadth: every order of events, which no integration test could enumerate.

const NOW = new Date('2026-12-01T12:00:00.000Z');
const ORDER_ID = '019ad000-0000-7000-8000-000000000001';
const TOTAL = { amount: 4_990, currency: 'EUR' };

interface Published {
  type: string;
  data: Record<string, unknown>;
}

/** One order in memory and the events its reactions published, as a unit of work sees them. */
class Shard {
  order: Order;
  readonly published: Published[] = [];
  readonly refundRequests = new Set<string>();

  constructor() {
    this.order = {
      id: ORDER_ID,
      customerId: '5f0c6a2e-8d3b-4f61-9a7e-2b1c0d9e8f7a',
      status: 'PENDING_PAYMENT',
      lines: [
        {
          productId: '7d3f2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6',
          sku: 'SKU-1',
          name: 'Trail shoe',
          quantity: 1,
          unitPrice: TOTAL,
          lineTotal: TOTAL,
        },
      ],
      total: TOTAL,
      shippingAddress: { name: 'A', line1: 'B', city: 'C', postalCode: '10115', country: 'DE' },
      paymentId: null,
      refunded: { amount: 0, currency: 'EUR' },
      reason: null,
      expiresAt: NOW,
      version: 1,
      createdAt: NOW,
      updatedAt: NOW,
    };
  }

  uow(): OrderUnitOfWork {
    return {
      orders: {
        insert: async () => assert.fail('the saga never inserts'),
        lock: async (id) => (id === this.order.id ? structuredClone(this.order) : null),
        save: async (order) => {
          assert.equal(order.version, this.order.version + 1, 'every change bumps the version once');
          this.order = structuredClone(order);
        },
        recordRefundRequest: async ({ paymentId }) => {
          if (this.refundRequests.has(paymentId)) return false;
          this.refundRequests.add(paymentId);
          return true;
        },
        lockExpired: async () => [],
      },
      publish: async (contract: EventContract, _subject: string, data: unknown) => {
        this.published.push({ type: contract.type, data: data as Record<string, unknown> });
      },
      afterCommit: () => undefined,
      $executeRawUnsafe: async () => 0,
      $queryRawUnsafe: async () => assert.fail('the saga reads through the repository'),
    };
  }

  count(type: string): number {
    return this.published.filter((event) => event.type === type).length;
  }
}

type Step =
  | 'pay-1'
  | 'pay-1-again'
  | 'pay-2'
  | 'decline'
  | 'customer-cancel'
  | 'expire'
  | 'stock-committed'
  | 'stock-commit-failed';

async function apply(shard: Shard, step: Step): Promise<void> {
  const uow = shard.uow();
  switch (step) {
    case 'pay-1':
    case 'pay-1-again':
      await onPaymentSucceeded(uow, { orderId: ORDER_ID, paymentId: 'pay_1', amount: TOTAL }, NOW);
      return;
    case 'pay-2':
      await onPaymentSucceeded(uow, { orderId: ORDER_ID, paymentId: 'pay_2', amount: TOTAL }, NOW);
      return;
    case 'decline':
      await onPaymentFailed(uow, { orderId: ORDER_ID, paymentId: 'pay_0', reason: 'card_declined' }, NOW);
      return;
    case 'customer-cancel':
    case 'expire': {
      const order = await uow.orders.lock(ORDER_ID);
      if (order?.status === 'PENDING_PAYMENT')
        await cancel(uow, order, step === 'expire' ? 'expired' : 'customer-requested', NOW);
      return;
    }
    case 'stock-committed':
      await onStockCommitted(uow, ORDER_ID, NOW);
      return;
    case 'stock-commit-failed':
      await onStockCommitFailed(uow, ORDER_ID, NOW);
      return;
  }
}

/**
 * The rest of the system, reacting until nothing is left to do: the payment service refunds every refund
 * request, and the product service answers each `order.paid.v1` with `outcome`.
 */
async function settle(shard: Shard, stockOutcome: 'stock-committed' | 'stock-commit-failed'): Promise<void> {
  for (let handled = 0; handled < shard.published.length; handled += 1) {
    const event = shard.published[handled]!;
    if (event.type === 'order.paid.v1') await apply(shard, stockOutcome);
    if (event.type === 'order.refund-requested.v1') {
      const { paymentId, amount } = event.data as { paymentId: string; amount: typeof TOTAL };
      await onPaymentRefunded(
        shard.uow(),
        { orderId: ORDER_ID, paymentId, refundId: `re_${handled}`, amount },
        NOW,
      );
    }
  }
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

const refundRequestsFor = (shard: Shard, paymentId: string) =>
  shard.published.filter(
    (event) => event.type === 'order.refund-requested.v1' && event.data['paymentId'] === paymentId,
  ).length;

describe('the order saga', () => {
  test('happy path: paid, stock sold, confirmed, with the events the other services need', async () => {
    const shard = new Shard();
    await apply(shard, 'pay-1');
    assert.equal(shard.order.status, 'PAID');
    assert.deepEqual(shard.published[0], {
      type: 'order.paid.v1',
      data: {
        orderId: ORDER_ID,
        customerId: shard.order.customerId,
        paymentId: 'pay_1',
        items: [{ productId: shard.order.lines[0]!.productId, quantity: 1 }],
        total: TOTAL,
      },
    });
    await apply(shard, 'stock-committed');
    assert.equal(shard.order.status, 'CONFIRMED');
    assert.equal(shard.count('order.confirmed.v1'), 1);
  });

  test('a payment of the wrong amount is handed back and the order keeps waiting', async () => {
    const shard = new Shard();
    await onPaymentSucceeded(
      shard.uow(),
      { orderId: ORDER_ID, paymentId: 'pay_1', amount: { amount: 1, currency: 'EUR' } },
      NOW,
    );
    assert.equal(shard.order.status, 'PENDING_PAYMENT');
    assert.equal(shard.published[0]?.type, 'order.refund-requested.v1');
    assert.equal(shard.published[0]?.data['reason'], 'amount-mismatch');
  });

  test('a declined card leaves the order payable with the reason shown', async () => {
    const shard = new Shard();
    await apply(shard, 'decline');
    assert.equal(shard.order.status, 'PENDING_PAYMENT');
    assert.equal(shard.order.reason, 'payment-failed: card_declined');
    await apply(shard, 'pay-1');
    assert.equal(shard.order.status, 'PAID');
    assert.equal(shard.order.reason, null);
  });

  test('a partial refund of a confirmed order keeps it confirmed; the rest makes it refunded', async () => {
    const shard = new Shard();
    await apply(shard, 'pay-1');
    await apply(shard, 'stock-committed');
    const half = { amount: TOTAL.amount / 2, currency: 'EUR' };
    await onPaymentRefunded(
      shard.uow(),
      { orderId: ORDER_ID, paymentId: 'pay_1', refundId: 're_1', amount: half },
      NOW,
    );
    assert.equal(shard.order.status, 'CONFIRMED');
    assert.deepEqual(shard.order.refunded, half);
    await onPaymentRefunded(
      shard.uow(),
      { orderId: ORDER_ID, paymentId: 'pay_1', refundId: 're_2', amount: half },
      NOW,
    );
    assert.equal(shard.order.status, 'REFUNDED');
    assert.equal(shard.count('order.refunded.v1'), 1);
  });

  // Every interleaving of the customer, the clock and the payment service (including a redelivered and a
  // second payment), whatever the product service answers: the invariant of the product brief holds.
  const steps: Step[] = ['pay-1', 'customer-cancel', 'expire', 'decline', 'pay-1-again', 'pay-2'];
  for (const stockOutcome of ['stock-committed', 'stock-commit-failed'] as const) {
    test(`every interleaving ends consistently when the stock answer is ${stockOutcome}`, async () => {
      let checked = 0;
      for (const order of permutations(steps)) {
        const shard = new Shard();
        for (const step of order) await apply(shard, step);
        await settle(shard, stockOutcome);
        const where = `after ${order.join(', ')}`;

        // A paid order ends CONFIRMED or REFUNDED, never stuck in between.
        assert.ok(['CONFIRMED', 'REFUNDED'].includes(shard.order.status), `${where}: ${shard.order.status}`);
        // The payment the order kept is pay_1 or pay_2; the other one is always handed back, exactly once.
        const kept = shard.order.paymentId;
        assert.ok(kept === 'pay_1' || kept === 'pay_2', where);
        const other = kept === 'pay_1' ? 'pay_2' : 'pay_1';
        assert.equal(refundRequestsFor(shard, other), 1, `${where}: the second payment is refunded once`);
        // The kept payment is refunded exactly when the order did not end confirmed.
        assert.equal(refundRequestsFor(shard, kept), shard.order.status === 'REFUNDED' ? 1 : 0, where);
        // Stock is sold at most once, and a cancelled order's stock is released at most once.
        assert.ok(shard.count('order.paid.v1') <= 1, where);
        assert.ok(shard.count('order.cancelled.v1') <= 1, where);
        assert.ok(!(shard.count('order.paid.v1') === 1 && shard.count('order.cancelled.v1') === 1), where);
        checked += 1;
      }
      assert.equal(checked, 720);
    });
  }

  test('events for an order the shard does not hold are reported, not applied', async () => {
    const shard = new Shard();
    const outcome = await onStockCommitted(shard.uow(), '019ad000-0000-7000-8000-0000000000ff', NOW);
    assert.deepEqual(outcome, { kind: 'unknown-order' });
    assert.equal(shard.published.length, 0);
  });
});
