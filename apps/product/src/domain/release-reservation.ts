import { InventoryReleasedV1 } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import { InventoryErrors } from './inventory.errors.ts';
import type { Reservation } from './inventory.ts';
import type { ProductDeps, UnitOfWork } from './ports.ts';

type ReleaseDeps = Pick<ProductDeps, 'cache' | 'now'>;

/** The order was cancelled: its held stock goes back on sale. Releasing twice is a no-op. */
export async function releaseReservation(deps: ProductDeps, orderId: string): Promise<Reservation> {
  return deps.transactions.run((uow) => releaseReservationIn(uow, deps, orderId));
}

/**
 * The same inside a caller's transaction. Releasing an order that reserved nothing records a released
 * reservation, so a reserve that arrives after the cancellation (a late retry) is refused instead of
 * holding stock for an order that no longer exists.
 */
export async function releaseReservationIn(
  uow: UnitOfWork,
  deps: ReleaseDeps,
  orderId: string,
): Promise<Reservation> {
  const now = deps.now();
  const reservation = await uow.reservations.lock(orderId);
  if (!reservation) {
    await uow.reservations.insertIfAbsent(orderId, 'released', now);
    return { orderId, status: 'released', items: [], expiresAt: now };
  }
  if (reservation.status === 'released') return reservation;
  if (reservation.status === 'committed') throw InventoryErrors.reservationCommitted();
  return putBackOnSale(uow, deps, reservation, now);
}

/** Releases the order's hold if it is still held and lapsed by `now`; true when it did. */
export async function releaseIfExpiredIn(
  uow: UnitOfWork,
  deps: ReleaseDeps,
  orderId: string,
  now: Date,
): Promise<boolean> {
  const reservation = await uow.reservations.lock(orderId);
  if (!reservation || reservation.status !== 'reserved' || reservation.expiresAt > now) return false;
  await putBackOnSale(uow, deps, reservation, deps.now());
  return true;
}

async function putBackOnSale(
  uow: UnitOfWork,
  deps: ReleaseDeps,
  reservation: Reservation,
  now: Date,
): Promise<Reservation> {
  const { orderId } = reservation;
  const backInStock: string[] = [];
  for (const line of reservation.items) {
    const available = await uow.stock.unhold(line.productId, line.quantity);
    if (available === null) {
      throw new Error(
        `Stock of ${line.productId} holds fewer units than order ${orderId} reserved; the stock row was changed by hand.`,
      );
    }
    if (available === line.quantity) backInStock.push(line.productId);
  }
  await uow.reservations.setStatus(orderId, 'released', now);
  if (reservation.items.length > 0)
    await uow.publish(InventoryReleasedV1, orderId, { orderId, items: reservation.items });
  invalidateAfterCommit(uow, deps.cache, backInStock);
  return { ...reservation, status: 'released' };
}
