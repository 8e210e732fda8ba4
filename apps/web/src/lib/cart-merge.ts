// The guest cart (in localStorage) joins the server cart when the shopper signs in.

export interface CartQuantity {
  productId: string;
  quantity: number;
}

/** A guest line as kept in localStorage: enough to show it without the server. */
export interface GuestLine extends CartQuantity {
  name: string;
  unitPrice: { amount: number; currency: string };
}

/** The order service's limit per line (CART_LIMITS.maxQuantityPerLine). */
export const MAX_QUANTITY_PER_LINE = 99;

/**
 * The quantities to PUT so the server cart holds both carts: a product in both gets the sum (capped at the
 * per-line limit), one only in the guest cart is added, and a line already right is left alone.
 */
export function mergeCarts(
  server: readonly CartQuantity[],
  guest: readonly CartQuantity[],
  max = MAX_QUANTITY_PER_LINE,
): CartQuantity[] {
  const current = new Map(server.map((line) => [line.productId, line.quantity]));
  const wanted = new Map<string, number>();
  for (const line of guest) {
    if (!Number.isInteger(line.quantity) || line.quantity < 1) continue;
    const base = wanted.get(line.productId) ?? current.get(line.productId) ?? 0;
    wanted.set(line.productId, Math.min(base + line.quantity, max));
  }
  return [...wanted]
    .filter(([productId, quantity]) => current.get(productId) !== quantity)
    .map(([productId, quantity]) => ({ productId, quantity }));
}

/** Adds `quantity` units to a guest cart (a new line at the end), capped at the per-line limit. */
export function addToGuestCart(lines: readonly GuestLine[], add: GuestLine, max = MAX_QUANTITY_PER_LINE) {
  const existing = lines.find((line) => line.productId === add.productId);
  if (existing === undefined) return [...lines, { ...add, quantity: Math.min(add.quantity, max) }];
  return lines.map((line) =>
    line.productId === add.productId
      ? {
          ...line,
          name: add.name,
          unitPrice: add.unitPrice,
          quantity: Math.min(line.quantity + add.quantity, max),
        }
      : line,
  );
}

/** Reads a guest cart back from storage, dropping anything that is not a well-formed line. */
export function parseGuestCart(text: string | null): GuestLine[] {
  if (text === null) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.filter(
    (line): line is GuestLine =>
      typeof line === 'object' &&
      line !== null &&
      typeof line.productId === 'string' &&
      Number.isInteger(line.quantity) &&
      line.quantity >= 1 &&
      typeof line.name === 'string' &&
      typeof line.unitPrice?.amount === 'number' &&
      typeof line.unitPrice?.currency === 'string',
  );
}
