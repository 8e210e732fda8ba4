import type { ProductDeps } from './ports.ts';
import { releaseIfExpiredIn } from './release-reservation.ts';

/**
 * Releases holds whose time ran out, one transaction per order so a failure leaves the others done.
 * Replicas may sweep at once: each re-checks the row under its lock, so an order is released once.
 * Answers how many this call released.
 */
export async function releaseExpiredReservations(deps: ProductDeps, batchSize = 100): Promise<number> {
  const now = deps.now();
  const orderIds = await deps.inventory.expiredReservations(now, batchSize);
  let released = 0;
  for (const orderId of orderIds) {
    if (await deps.transactions.run((uow) => releaseIfExpiredIn(uow, deps, orderId, now))) released += 1;
  }
  return released;
}
