import type { Money } from '@shop/contracts';
import { CartErrors } from './cart.errors.ts';
import type { ProductCatalog, ProductSnapshot } from './catalog.ts';

/**
 * The limits of one cart. A cart is a shopping list, not a warehouse order: 50 different products and 99
 * units of each keep every cart one product-service call (the lookup takes up to 100 ids) and one small
 * Redis hash, and stop a script from filling a cart without end.
 */
export const CART_LIMITS = {
  maxLines: 50,
  maxQuantityPerLine: 99,
} as const;

/** A cart untouched for this long is forgotten (every change starts the period again). */
export const CART_TTL_SECONDS = 30 * 24 * 3_600;

export interface CartLine {
  productId: string;
  quantity: number;
}

export type SetLineOutcome = 'set' | 'cart-full';

/**
 * Where carts live: one per customer, in Redis (data-access/cart-store.redis.ts) or, for the embedded
 * start only, in this process (data-access/cart-store.memory.ts). Both pass one contract suite. Every
 * method throws CartErrors.storeUnavailable (503) when the store cannot answer.
 */
export interface CartStore {
  /** The customer's lines in the order they were first added; [] when there is no cart. */
  lines(customerId: string): Promise<CartLine[]>;
  /**
   * Sets a line's quantity, adding the line unless the cart already holds `maxLines` others, in one atomic
   * step (two concurrent adds to a full-but-one cart cannot both land). Restarts the cart's time to live.
   */
  setLine(customerId: string, line: CartLine, limits: { maxLines: number }): Promise<SetLineOutcome>;
  /** Removes a line; a no-op when it is not there. */
  removeLine(customerId: string, productId: string): Promise<void>;
  /** Forgets the whole cart; a no-op when there is none. */
  clear(customerId: string): Promise<void>;
}

/** Why a line cannot be bought as it is; the message says what the customer can do about it. */
export type LineIssue =
  | { code: 'PRODUCT_GONE'; message: string }
  | { code: 'NOT_SELLABLE'; message: string }
  | { code: 'INSUFFICIENT_STOCK'; message: string; available: number };

export interface PricedCartLine {
  productId: string;
  quantity: number;
  /** The product as the catalog shows it now; null when it no longer exists. */
  product: { sku: string; name: string; imageUrl: string | null; unitPrice: Money } | null;
  /** unit price x quantity, in integer minor units; null when the product no longer exists. */
  lineTotal: Money | null;
  /** Units that could be reserved right now (0 for a product that no longer exists). */
  available: number;
  /** Empty when the line can be checked out as it is. */
  issues: LineIssue[];
}

/** The cart with current prices and availability, read fresh from the product service. */
export interface PricedCart {
  lines: PricedCartLine[];
  /**
   * One subtotal per currency, sorted by currency code. The catalog prices in one currency today, but a
   * sum across currencies would be a wrong number, so a mixed cart shows each currency's sum instead.
   */
  subtotals: Money[];
  /** Units over all lines. */
  itemCount: number;
  /** Not empty, and no line has an issue. */
  checkoutReady: boolean;
}

export interface CartDeps {
  store: CartStore;
  catalog: ProductCatalog;
}

/** What routes and the checkout do with carts. */
export interface Cart {
  view(customerId: string): Promise<PricedCart>;
  /**
   * Puts `quantity` units of a product in the cart (replacing the quantity it had). Refused: an unknown or
   * deleted product (404), one not on sale (409), more units than are available (409 naming how many are),
   * a new line in a full cart (409).
   */
  setQuantity(customerId: string, productId: string, quantity: number): Promise<PricedCart>;
  removeItem(customerId: string, productId: string): Promise<void>;
  /** The lines as stored (no product data), for the checkout to price and reserve itself. */
  lines(customerId: string): Promise<CartLine[]>;
  /** Empties the cart, once the order placed from it is stored. */
  clear(customerId: string): Promise<void>;
}

export function createCart(deps: CartDeps): Cart {
  const { store, catalog } = deps;

  async function view(customerId: string): Promise<PricedCart> {
    const lines = await store.lines(customerId);
    if (lines.length === 0) return priceCart([], new Map());
    return priceCart(lines, await catalog.lookup(lines.map((line) => line.productId)));
  }

  return {
    view,
    async setQuantity(customerId, productId, quantity) {
      // One product call both checks the product and prices the cart answered afterwards.
      const asked = new Set([...(await store.lines(customerId)).map((line) => line.productId), productId]);
      const products = new Map(await catalog.lookup([...asked]));
      const product = products.get(productId);
      if (!product) throw CartErrors.productNotFound();
      if (!product.sellable) throw CartErrors.productNotSellable();
      if (quantity > product.available) {
        throw CartErrors.insufficientStock(
          `Only ${product.available} units of ${product.name} are available; ask for at most that many.`,
          { extensions: { productId, requested: quantity, available: product.available } },
        );
      }
      const outcome = await store.setLine(
        customerId,
        { productId, quantity },
        { maxLines: CART_LIMITS.maxLines },
      );
      if (outcome === 'cart-full') {
        throw CartErrors.tooManyLines(
          `A cart holds at most ${CART_LIMITS.maxLines} different products; remove one before adding another.`,
          { extensions: { maxLines: CART_LIMITS.maxLines } },
        );
      }
      const lines = await store.lines(customerId);
      // Only lines another request added meanwhile are unknown here; a product that is gone was asked for.
      const unseen = lines.map((line) => line.productId).filter((id) => !asked.has(id));
      if (unseen.length > 0) for (const [id, seen] of await catalog.lookup(unseen)) products.set(id, seen);
      return priceCart(lines, products);
    },
    removeItem: (customerId, productId) => store.removeLine(customerId, productId),
    lines: (customerId) => store.lines(customerId),
    clear: (customerId) => store.clear(customerId),
  };
}

/** Prices stored lines with the products as they are now, flagging what can no longer be bought as is. */
export function priceCart(
  lines: readonly CartLine[],
  products: ReadonlyMap<string, ProductSnapshot>,
): PricedCart {
  const priced = lines.map((line) => priceLine(line, products.get(line.productId)));
  const subtotals = new Map<string, number>();
  for (const { lineTotal } of priced) {
    if (lineTotal)
      subtotals.set(lineTotal.currency, (subtotals.get(lineTotal.currency) ?? 0) + lineTotal.amount);
  }
  return {
    lines: priced,
    subtotals: [...subtotals]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, amount]) => ({ amount, currency })),
    itemCount: priced.reduce((sum, line) => sum + line.quantity, 0),
    checkoutReady: priced.length > 0 && priced.every((line) => line.issues.length === 0),
  };
}

function priceLine(line: CartLine, product: ProductSnapshot | undefined): PricedCartLine {
  if (!product) {
    return {
      ...line,
      product: null,
      lineTotal: null,
      available: 0,
      issues: [
        {
          code: 'PRODUCT_GONE',
          message: 'This product is no longer in the catalog; remove it from the cart.',
        },
      ],
    };
  }
  const issues: LineIssue[] = [];
  if (!product.sellable) {
    issues.push({
      code: 'NOT_SELLABLE',
      message: 'This product is not on sale right now; remove it to check out.',
    });
  } else if (product.available < line.quantity) {
    issues.push({
      code: 'INSUFFICIENT_STOCK',
      available: product.available,
      message: `Only ${product.available} units are available; lower the quantity to check out.`,
    });
  }
  return {
    ...line,
    product: { sku: product.sku, name: product.name, imageUrl: product.imageUrl, unitPrice: product.price },
    lineTotal: { amount: product.price.amount * line.quantity, currency: product.price.currency },
    available: product.available,
    issues,
  };
}
