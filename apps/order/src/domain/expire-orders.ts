import { cancel } from './order-saga.ts';
import type { OrderDeps } from './ports.ts';

/**
 * Cancels unpaid orders whose stock hold has lapsed, a batch per shard, each in one transaction with the
 * rows locked (SKIP LOCKED: replicas sweeping at once share the work, and a payment being recorded for
 * one of them wins or waits). Returns how many were cancelled. A shard that fails (down, frozen for a
 * move) is reported and skipped; the next sweep retries it.
 */
export async function expireOrders(
  deps: OrderDeps,
  batchSize: number,
  onShardError: (shard: number, error: unknown) => void,
): Promise<number> {
  let cancelled = 0;
  for (const shard of deps.shards.all()) {
    try {
      cancelled += await deps.shards.transactions(shard).run(async (uow) => {
        const now = deps.now();
        const expired = await uow.orders.lockExpired(now, batchSize);
        for (const order of expired) await cancel(uow, order, 'expired', now);
        return expired.length;
      });
    } catch (error) {
      onShardError(shard, error);
    }
  }
  return cancelled;
}
