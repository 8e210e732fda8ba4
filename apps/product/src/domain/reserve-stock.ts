import { InventoryReservedV1 } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import { InventoryErrors } from './inventory.errors.ts';
import {
  normalizeLines,
  sameLines,
  type Reservation,
  type StockLine,
  type UnavailableLine,
} from './inventory.ts';
import type { ProductDeps } from './ports.ts';

export interface ReserveRequest {
  orderId: string;
  items: readonly StockLine[];
  /** Defaults to the service's reservation TTL (15 minutes). */
  ttlSeconds?: number;
}

export interface ReserveOutcome {
  reservation: Reservation;
  /** False when the order already held this reservation (a retry): nothing changed. */
  created: boolean;
}

/**
 * Holds stock for every line of an order, all or nothing. Each line is a conditional update
 * (`available >= quantity`), so concurrent orders can never take stock below zero; a retry with the same
 * order id and items answers the existing reservation.
 */
export async function reserveStock(deps: ProductDeps, request: ReserveRequest): Promise<ReserveOutcome> {
  const items = normalizeLines(request.items);
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + (request.ttlSeconds ?? deps.reservationTtlSeconds) * 1000);
  return deps.transactions.run(async (uow) => {
    if (!(await uow.reservations.insertIfAbsent(request.orderId, 'reserved', expiresAt))) {
      const existing = await uow.reservations.lock(request.orderId);
      if (!existing)
        throw new Error(
          `Reservation ${request.orderId} vanished while it was being read; retry the request.`,
        );
      if (existing.status === 'released') throw InventoryErrors.reservationReleased();
      if (!sameLines(existing.items, items)) throw InventoryErrors.reservationMismatch();
      return { reservation: existing, created: false };
    }

    const unavailable: UnavailableLine[] = [];
    const soldOut: string[] = [];
    for (const line of items) {
      const left = await uow.stock.hold(line.productId, line.quantity);
      if (left === null) {
        const level = await uow.stock.level(line.productId);
        unavailable.push({
          productId: line.productId,
          requested: line.quantity,
          available: level?.available ?? 0,
        });
      } else if (left === 0) {
        soldOut.push(line.productId);
      }
    }
    // Throwing rolls the whole transaction back: no line stays held, and the order id is free again.
    if (unavailable.length > 0)
      throw InventoryErrors.insufficientStock(undefined, { extensions: { unavailable } });

    await uow.reservations.addItems(request.orderId, items);
    await uow.publish(InventoryReservedV1, request.orderId, { orderId: request.orderId, items });
    invalidateAfterCommit(uow, deps.cache, soldOut);
    return { reservation: { orderId: request.orderId, status: 'reserved', items, expiresAt }, created: true };
  });
}
