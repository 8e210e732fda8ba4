import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '@shop/platform/errors';
import type { ProductSnapshot } from '../../src/domain/catalog.ts';
import { placeOrder } from '../../src/domain/place-order.ts';
import type { OrderDeps, OrderShards } from '../../src/domain/ports.ts';

// What checkout does with the stock hold when the order's transaction fails; the rest of checkout runs
// over HTTP against the real services in test/checkout*.test.ts.

const productId = '7d3f2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6';
const product: ProductSnapshot = {
  id: productId,
  sku: 'SKU-1',
  name: 'Trail shoe',
  price: { amount: 4_990, currency: 'EUR' },
  imageUrl: null,
  sellable: true,
  available: 5,
};

function depsWhoseTransactionThrows(error: unknown) {
  const released: string[] = [];
  const deps: OrderDeps = {
    shards: {
      shardOf: () => 3,
      transactions: () => ({ run: async () => Promise.reject(error) }),
    } as unknown as OrderShards,
    catalog: { lookup: async () => new Map([[productId, product]]) },
    reservations: {
      reserve: async () => ({ ok: true, expiresAt: new Date('2026-12-01T12:15:00.000Z') }),
      release: async (orderId) => void released.push(orderId),
    },
    cart: { lines: async () => [], clear: async () => undefined },
    reservationTtlSeconds: 900,
    now: () => new Date('2026-12-01T12:00:00.000Z'),
    warn: () => undefined,
  };
  return { deps, released };
}

const input = {
  orderId: '01a2357e-d773-73ff-b66e-68d52544fbd1',
  customerId: '5f0c6a2e-8d3b-4f61-9a7e-2b1c0d9e8f7a',
  shippingAddress: { name: 'A', line1: 'B', city: 'C', postalCode: '10115', country: 'DE' },
  items: [{ productId, quantity: 1 }],
};

describe('the stock hold when the order cannot be written', () => {
  test('after a 503 (the client retries with the same key, so the same order id) the hold is kept', async () => {
    const busy = new AppError('SHARD_ERR_FROZEN', 503, 'frozen', { headers: { 'retry-after': '2' } });
    const { deps, released } = depsWhoseTransactionThrows(busy);
    await assert.rejects(placeOrder(deps, input), busy);
    assert.deepEqual(released, []);
  });

  test('after any other failure the hold is released at once', async () => {
    const { deps, released } = depsWhoseTransactionThrows(new Error('check constraint violated'));
    await assert.rejects(placeOrder(deps, input), /check constraint/);
    assert.deepEqual(released, [input.orderId]);
  });
});
