import { InventoryCommitFailedV1, InventoryCommittedV1, type EventData } from '@shop/contracts';
import { invalidateAfterCommit } from './catalog-invalidation.ts';
import { InventoryErrors } from './inventory.errors.ts';
import type { Reservation, UnavailableLine } from './inventory.ts';
import type { ProductDeps, UnitOfWork } from './ports.ts';

type CommitDeps = Pick<ProductDeps, 'cache' | 'now'>;

/** Why a paid order's stock could not be sold (the reasons of inventory.commit-failed.v1). */
export type CommitFailure = EventData<typeof InventoryCommitFailedV1>['reason'];

export type CommitOutcome =
  | { kind: 'committed'; reservation: Reservation; alreadyCommitted: boolean }
  | { kind: 'failed'; reason: CommitFailure; unavailable?: UnavailableLine[] };

/**
 * The order was paid (internal HTTP call): its held stock is sold. Committing twice is a no-op; a commit
 * that cannot be made is refused with a 404 or 409 and changes nothing.
 */
export async function commitReservation(deps: ProductDeps, orderId: string): Promise<Reservation> {
  return deps.transactions.run(async (uow) => {
    const outcome = await sellReservedStockIn(uow, deps, orderId);
    if (outcome.kind === 'committed') return outcome.reservation;
    if (outcome.reason === 'reservation-missing') throw InventoryErrors.reservationNotFound();
    throw InventoryErrors.reservationReleased();
  });
}

/**
 * order.paid.v1, inside the consumer's transaction (its inbox record commits with it). Every outcome is
 * answered with an event through the outbox, so the order saga always hears back: inventory.committed.v1,
 * or inventory.commit-failed.v1 and the saga refunds the payment. A refusal is a legal end of the saga,
 * not a poison event. An order already committed is answered inventory.committed.v1 again: only a new
 * order.paid.v1 (a redelivery of the same event stops at the inbox) gets here, and the sender asked
 * because it has not heard; the order saga treats a second answer as a no-op.
 */
export async function commitPaidOrderIn(
  uow: UnitOfWork,
  deps: CommitDeps,
  orderId: string,
): Promise<CommitOutcome> {
  const outcome = await sellReservedStockIn(uow, deps, orderId);
  if (outcome.kind === 'failed') {
    // As a cancellation does, leave a released reservation behind: a reserve for this order arriving
    // later (a late retry) is then refused instead of holding stock for an order being refunded.
    if (outcome.reason === 'reservation-missing')
      await uow.reservations.insertIfAbsent(orderId, 'released', deps.now());
    await uow.publish(InventoryCommitFailedV1, orderId, {
      orderId,
      reason: outcome.reason,
      ...(outcome.unavailable ? { unavailable: outcome.unavailable } : {}),
    });
  } else if (outcome.alreadyCommitted) {
    await publishCommitted(uow, outcome.reservation);
  }
  return outcome;
}

/**
 * Sells the order's stock, or answers why it cannot. A hold still in place is sold even if it is past
 * its expiry (the sweeper has not released it yet, the units are still held). A hold that lapsed and was
 * released is taken again from the available stock if every line still has enough: the customer paid,
 * and selling is right. Otherwise nothing changes. Publishes inventory.committed.v1 when it commits now.
 */
async function sellReservedStockIn(
  uow: UnitOfWork,
  deps: CommitDeps,
  orderId: string,
): Promise<CommitOutcome> {
  const reservation = await uow.reservations.lock(orderId);
  // A released reservation without items is the marker a cancellation leaves when nothing was reserved.
  if (!reservation || reservation.items.length === 0)
    return { kind: 'failed', reason: 'reservation-missing' };
  if (reservation.status === 'committed') return { kind: 'committed', reservation, alreadyCommitted: true };
  if (reservation.status === 'released') return retakeLapsedHold(uow, deps, reservation);

  for (const line of reservation.items) {
    if ((await uow.stock.sellHeld(line.productId, line.quantity)) === null) {
      throw new Error(
        `Stock of ${line.productId} holds fewer units than order ${orderId} reserved; the stock row was changed by hand.`,
      );
    }
  }
  return markCommitted(uow, reservation, deps.now());
}

async function retakeLapsedHold(
  uow: UnitOfWork,
  deps: CommitDeps,
  reservation: Reservation,
): Promise<CommitOutcome> {
  // Locking every line's stock row first (in product id order, as reservations do) makes the check and
  // the sale one atomic step: all lines are sold or none, and no count can drop below zero in between.
  const levels = new Map(
    (await uow.stock.lockLevels(reservation.items.map((line) => line.productId))).map((level) => [
      level.productId,
      level.available,
    ]),
  );
  const unavailable = reservation.items
    .map((line) => ({
      productId: line.productId,
      requested: line.quantity,
      available: levels.get(line.productId) ?? 0,
    }))
    .filter((line) => line.available < line.requested);
  if (unavailable.length > 0) return { kind: 'failed', reason: 'reservation-expired', unavailable };

  const soldOut: string[] = [];
  for (const line of reservation.items) {
    const left = await uow.stock.sellAvailable(line.productId, line.quantity);
    if (left === null) throw new Error(`Stock of ${line.productId} changed under its row lock.`);
    if (left === 0) soldOut.push(line.productId);
  }
  invalidateAfterCommit(uow, deps.cache, soldOut);
  return markCommitted(uow, reservation, deps.now());
}

async function markCommitted(uow: UnitOfWork, reservation: Reservation, now: Date): Promise<CommitOutcome> {
  await uow.reservations.setStatus(reservation.orderId, 'committed', now);
  const committed = { ...reservation, status: 'committed' as const };
  await publishCommitted(uow, committed);
  return { kind: 'committed', reservation: committed, alreadyCommitted: false };
}

function publishCommitted(uow: UnitOfWork, reservation: Reservation): Promise<void> {
  return uow.publish(InventoryCommittedV1, reservation.orderId, {
    orderId: reservation.orderId,
    items: reservation.items,
  });
}
