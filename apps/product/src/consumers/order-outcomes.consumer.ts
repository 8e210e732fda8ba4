import { OrderCancelledV1, OrderConfirmedV1 } from '@shop/contracts';
import { PoisonEventError } from '@shop/events';
import { AppError } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ProductTransactions, ProductTx } from '../data-access/unit-of-work.ts';
import { commitReservationIn } from '../domain/commit-reservation.ts';
import type { ProductDeps } from '../domain/ports.ts';
import { releaseReservationIn } from '../domain/release-reservation.ts';

export const ORDER_OUTCOMES_GROUP = 'product.order-outcomes';

// A refusal by the domain (no reservation, already released ...) will not change on retry: dead-letter it
// at once so someone looks at it, instead of retrying five times.
async function refusalsArePoison(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof AppError && error.status < 500)
      throw new PoisonEventError(`${error.code}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Paid orders sell their held stock; cancelled orders put it back on sale. Each event through the inbox. */
export const orderOutcomesConsumer = fp(
  async (app: FastifyInstance, opts: { deps: ProductDeps; transactions: ProductTransactions }) => {
    const consumer = app.events.consumer<ProductTx>({
      group: ORDER_OUTCOMES_GROUP,
      inbox: { transaction: (work) => opts.transactions.run(work) },
    });
    consumer.on(OrderConfirmedV1, (event, { tx }) =>
      refusalsArePoison(() => commitReservationIn(tx, opts.deps, event.data.orderId)),
    );
    consumer.on(OrderCancelledV1, (event, { tx }) =>
      refusalsArePoison(() => releaseReservationIn(tx, opts.deps, event.data.orderId)),
    );
    await consumer.start();
  },
  { name: 'order-outcomes-consumer', dependencies: ['events'] },
);
