import { registerPeriodicTask } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { expireOrders } from '../domain/expire-orders.ts';
import type { OrderDeps } from '../domain/ports.ts';

/**
 * Every `intervalMs`, cancels the unpaid orders whose stock hold lapsed, on every shard, and publishes
 * `order.cancelled.v1` for each (the product service releases what it still holds). Every replica sweeps;
 * the row locks share the work.
 */
export const orderExpiryPlugin = fp(
  async (app: FastifyInstance, opts: { deps: OrderDeps; intervalMs: number; batchSize: number }) => {
    registerPeriodicTask(app, {
      name: 'cancelling expired orders',
      intervalMs: opts.intervalMs,
      round: () =>
        expireOrders(opts.deps, opts.batchSize, (shard, err) =>
          app.log.warn(
            { err, shard },
            'cancelling expired orders skipped a shard; the next sweep retries it',
          ),
        ),
      didWork: () => 'cancelled unpaid orders whose stock hold lapsed',
    });
  },
  { name: 'order-expiry' },
);
