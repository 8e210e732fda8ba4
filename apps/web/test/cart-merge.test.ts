import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addToGuestCart, mergeCarts, parseGuestCart, type GuestLine } from '../src/lib/cart-merge.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const line = (productId: string, quantity: number): GuestLine => ({
  productId,
  quantity,
  name: `product ${productId.slice(-1)}`,
  unitPrice: { amount: 1_000, currency: 'USD' },
});

describe('mergeCarts', () => {
  it('sums a product in both carts, adds guest-only lines and leaves server-only lines alone', () => {
    const puts = mergeCarts(
      [
        { productId: A, quantity: 2 },
        { productId: C, quantity: 1 },
      ],
      [line(A, 3), line(B, 1)],
    );
    assert.deepEqual(puts, [
      { productId: A, quantity: 5 },
      { productId: B, quantity: 1 },
    ]);
  });

  it('caps a summed line at the per-line limit', () => {
    assert.deepEqual(mergeCarts([{ productId: A, quantity: 98 }], [line(A, 5)]), [
      { productId: A, quantity: 99 },
    ]);
    // Already at the limit: nothing to send.
    assert.deepEqual(mergeCarts([{ productId: A, quantity: 99 }], [line(A, 1)]), []);
  });

  it('counts a product listed twice in the guest cart once per listing and skips nonsense quantities', () => {
    assert.deepEqual(mergeCarts([], [line(A, 1), line(A, 2), { ...line(B, 0) }, { ...line(C, 1.5) }]), [
      { productId: A, quantity: 3 },
    ]);
  });

  it('sends nothing for an empty guest cart', () => {
    assert.deepEqual(mergeCarts([{ productId: A, quantity: 1 }], []), []);
  });
});

describe('the guest cart', () => {
  it('adds to an existing line (capped) and appends a new one', () => {
    const cart = addToGuestCart([line(A, 98)], line(A, 4));
    assert.equal(cart[0]!.quantity, 99);
    assert.deepEqual(
      addToGuestCart(cart, line(B, 2)).map((l) => [l.productId, l.quantity]),
      [
        [A, 99],
        [B, 2],
      ],
    );
  });

  it('reads back only well-formed lines from storage', () => {
    assert.deepEqual(parseGuestCart(null), []);
    assert.deepEqual(parseGuestCart('not json'), []);
    assert.deepEqual(parseGuestCart('{"productId":"x"}'), []);
    const stored = JSON.stringify([line(A, 1), { productId: B, quantity: -1 }, { productId: C }]);
    assert.deepEqual(parseGuestCart(stored), [line(A, 1)]);
  });
});
