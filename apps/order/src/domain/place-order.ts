import { OrderPlacedV1 } from '@shop/contracts';
import { AppError } from '@shop/platform/errors';
import type { ProductSnapshot, StockLine } from './catalog.ts';
import { orderTotal, type Order, type OrderLine, type ShippingAddress } from './order.ts';
import { OrderErrors } from './order.errors.ts';
import type { OrderDeps, OrderUnitOfWork } from './ports.ts';

const isRetryable = (error: unknown) => error instanceof AppError && error.status === 503;

// Amounts are stored in 32-bit columns; a total past this is refused before it reaches PostgreSQL.
const MAX_AMOUNT = 2_147_483_647;

export interface PlaceOrderInput {
  /** Chosen before anything happens and kept by the idempotency key, so a retry reuses it. */
  orderId: string;
  customerId: string;
  shippingAddress: ShippingAddress;
  /** The lines to order; the customer's cart when absent (then emptied once the order is placed). */
  items?: StockLine[];
}

/**
 * Runs the order's transaction on its shard. The checkout route passes one that also records the
 * idempotent response in that same transaction; by default, a plain transaction of the shard.
 */
export type OrderTransaction = (work: (uow: OrderUnitOfWork) => Promise<Order>) => Promise<Order>;

function checkedLines(items: readonly StockLine[]): StockLine[] {
  if (items.length === 0) throw OrderErrors.emptyOrder();
  const seen = new Set<string>();
  for (const { productId } of items) {
    if (seen.has(productId)) throw OrderErrors.duplicateLine(undefined, { extensions: { productId } });
    seen.add(productId);
  }
  return [...items];
}

/** Prices come from the product service, never from the client. */
function pricedLines(items: readonly StockLine[], products: Map<string, ProductSnapshot>): OrderLine[] {
  const missing = items.filter((item) => !products.has(item.productId)).map((item) => item.productId);
  if (missing.length > 0)
    throw OrderErrors.productNotFound(undefined, { extensions: { productIds: missing } });
  const unsellable = items.filter((item) => !products.get(item.productId)!.sellable).map((i) => i.productId);
  if (unsellable.length > 0)
    throw OrderErrors.productUnavailable(undefined, { extensions: { productIds: unsellable } });
  const lines = items.map(({ productId, quantity }) => {
    const product = products.get(productId)!;
    return {
      productId,
      sku: product.sku,
      name: product.name,
      quantity,
      unitPrice: { ...product.price },
      lineTotal: { amount: product.price.amount * quantity, currency: product.price.currency },
    };
  });
  const currencies = new Set(lines.map((line) => line.unitPrice.currency));
  if (currencies.size > 1)
    throw OrderErrors.mixedCurrencies(undefined, { extensions: { currencies: [...currencies] } });
  if (lines.reduce((sum, line) => sum + line.lineTotal.amount, 0) > MAX_AMOUNT)
    throw OrderErrors.totalTooLarge();
  return lines;
}

/**
 * Checkout: price the lines (one call to the product service), hold their stock (idempotent by order id),
 * then write the order and `order.placed.v1` in one transaction on the customer's shard. If that fails
 * for good the hold is released; after a 503 (retry) it is kept for the retry, and its TTL covers a crash
 * or a client that never retries. Repeating the call with the same order id answers the order already
 * written.
 */
export async function placeOrder(
  deps: OrderDeps,
  input: PlaceOrderInput,
  transaction?: OrderTransaction,
): Promise<Order> {
  const shard = deps.shards.shardOf(input.customerId);
  const fromCart = input.items === undefined;
  const items = checkedLines(input.items ?? (await deps.cart.lines(input.customerId)));
  const products = await deps.catalog.lookup(items.map((item) => item.productId));
  const lines = pricedLines(items, products);

  const held = await deps.reservations.reserve(input.orderId, items, deps.reservationTtlSeconds);
  if (!held.ok)
    throw OrderErrors.insufficientStock(undefined, { extensions: { unavailable: held.shortages } });

  const now = deps.now();
  const order: Order = {
    id: input.orderId,
    customerId: input.customerId,
    status: 'PENDING_PAYMENT',
    lines,
    total: orderTotal(lines),
    shippingAddress: input.shippingAddress,
    paymentId: null,
    refunded: { amount: 0, currency: lines[0]!.unitPrice.currency },
    reason: null,
    expiresAt: held.expiresAt,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const run = transaction ?? ((work) => deps.shards.transactions(shard).run(work));
  let placed: Order;
  try {
    placed = await run(async (uow) => {
      // A retry after a crash between the commit and the answer finds the order already there.
      if (!(await uow.orders.insert(order))) return (await uow.orders.lock(order.id))!;
      await uow.publish(OrderPlacedV1, order.id, {
        orderId: order.id,
        customerId: order.customerId,
        items: lines.map(({ productId, quantity, unitPrice }) => ({ productId, quantity, unitPrice })),
        total: order.total,
      });
      return order;
    });
  } catch (error) {
    // A 503 tells the client to retry with the same key, which reuses this order id: the hold is kept for
    // that retry (releasing it would make the retry's reserve fail as "released"), and its TTL frees it if
    // no retry comes. Any other failure is final for this order id, so its stock goes back on sale now.
    if (!isRetryable(error))
      await deps.reservations
        .release(order.id)
        .catch((releaseError: unknown) =>
          deps.warn(releaseError, 'checkout failed and its stock hold could not be released; its TTL will'),
        );
    throw error;
  }
  if (fromCart)
    await deps.cart
      .clear(input.customerId)
      .catch((error: unknown) => deps.warn(error, 'the order is placed but the cart could not be emptied'));
  return placed;
}
