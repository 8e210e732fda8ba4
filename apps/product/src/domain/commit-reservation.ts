import { InventoryCommittedV1 } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import { InventoryErrors } from './inventory.errors.ts';
import type { Reservation } from './inventory.ts';
import type { ProductCache, ProductDeps, UnitOfWork } from './ports.ts';

/** The order was paid: its held stock is sold. Committing twice is a no-op. */
export async function commitReservation(deps: ProductDeps, orderId: string): Promise<Reservation> {
  return deps.transactions.run((uow) => commitReservationIn(uow, deps, orderId));
}

/**
 * The same inside a caller's transaction (the event consumer's, whose inbox record commits with it).
 * A hold that lapsed before the payment arrived is sold from available stock if there still is some,
 * so a paid order is not lost to the expiry sweep.
 */
export async function commitReservationIn(
  uow: UnitOfWork,
  deps: Pick<ProductDeps, 'cache' | 'now'>,
  orderId: string,
): Promise<Reservation> {
  const reservation = await uow.reservations.lock(orderId);
  if (!reservation) throw InventoryErrors.reservationNotFound();
  if (reservation.status === 'committed') return reservation;
  if (reservation.status === 'released') return sellLapsedHold(uow, deps.cache, reservation, deps.now());

  for (const line of reservation.items) {
    if ((await uow.stock.sellHeld(line.productId, line.quantity)) === null) {
      throw new Error(
        `Stock of ${line.productId} holds fewer units than order ${orderId} reserved; the stock row was changed by hand.`,
      );
    }
  }
  return markCommitted(uow, reservation, deps.now());
}

async function sellLapsedHold(
  uow: UnitOfWork,
  cache: ProductCache,
  reservation: Reservation,
  now: Date,
): Promise<Reservation> {
  if (reservation.items.length === 0) throw InventoryErrors.reservationReleased();
  const soldOut: string[] = [];
  for (const line of reservation.items) {
    const left = await uow.stock.sellAvailable(line.productId, line.quantity);
    if (left === null) throw InventoryErrors.reservationReleased();
    if (left === 0) soldOut.push(line.productId);
  }
  invalidateAfterCommit(uow, cache, soldOut);
  return markCommitted(uow, reservation, now);
}

async function markCommitted(uow: UnitOfWork, reservation: Reservation, now: Date): Promise<Reservation> {
  await uow.reservations.setStatus(reservation.orderId, 'committed', now);
  await uow.publish(InventoryCommittedV1, reservation.orderId, {
    orderId: reservation.orderId,
    items: reservation.items,
  });
  return { ...reservation, status: 'committed' };
}
