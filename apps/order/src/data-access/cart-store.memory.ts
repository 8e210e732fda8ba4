import { CART_TTL_SECONDS, type CartLine, type CartStore, type SetLineOutcome } from '../domain/cart.ts';

interface StoredCart {
  /** A Map keeps its keys in insertion order, and setting an existing key keeps its place: first-added order. */
  lines: Map<string, number>;
  expiresAt: number;
}

export interface MemoryCartStoreOptions {
  ttlSeconds?: number;
  /** Milliseconds since the epoch (default Date.now); tests pass a TestClock's. */
  now?: () => number;
}

/**
 * Carts in this process, for the embedded `npm start` only: they vanish on restart and are not shared
 * between replicas, which is why production refuses to start without Redis. Same contract as Redis.
 */
export class MemoryCartStore implements CartStore {
  private readonly carts = new Map<string, StoredCart>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MemoryCartStoreOptions = {}) {
    this.ttlMs = (options.ttlSeconds ?? CART_TTL_SECONDS) * 1000;
    this.now = options.now ?? Date.now;
  }

  async lines(customerId: string): Promise<CartLine[]> {
    const cart = this.live(customerId);
    return cart ? [...cart.lines].map(([productId, quantity]) => ({ productId, quantity })) : [];
  }

  async setLine(
    customerId: string,
    line: CartLine,
    { maxLines }: { maxLines: number },
  ): Promise<SetLineOutcome> {
    const cart = this.live(customerId) ?? { lines: new Map<string, number>(), expiresAt: 0 };
    if (!cart.lines.has(line.productId) && cart.lines.size >= maxLines) return 'cart-full';
    cart.lines.set(line.productId, line.quantity);
    this.save(customerId, cart);
    return 'set';
  }

  async removeLine(customerId: string, productId: string): Promise<void> {
    const cart = this.live(customerId);
    if (!cart) return;
    cart.lines.delete(productId);
    if (cart.lines.size === 0) this.carts.delete(customerId);
    else this.save(customerId, cart);
  }

  async clear(customerId: string): Promise<void> {
    this.carts.delete(customerId);
  }

  // Re-inserting keeps `carts` in expiry order, so expired carts are swept from its front on each write
  // and a cart nobody opens again does not stay in memory.
  private save(customerId: string, cart: StoredCart): void {
    const now = this.now();
    cart.expiresAt = now + this.ttlMs;
    this.carts.delete(customerId);
    this.carts.set(customerId, cart);
    for (const [id, oldest] of this.carts) {
      if (oldest.expiresAt > now) break;
      this.carts.delete(id);
    }
  }

  /** The cart unless its time to live has passed (an expired one is dropped on the way). */
  private live(customerId: string): StoredCart | undefined {
    const cart = this.carts.get(customerId);
    if (cart && cart.expiresAt <= this.now()) {
      this.carts.delete(customerId);
      return undefined;
    }
    return cart;
  }
}
