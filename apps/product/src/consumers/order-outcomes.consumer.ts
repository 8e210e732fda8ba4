import { OrderCancelledV1, OrderPaidV1 } from '@shop/contracts';
import { PoisonEventError } from '@shop/events';
import { AppError } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ProductTransactions, ProductTx } from '../data-access/unit-of-work.ts';
import { commitPaidOrderIn } from '../domain/commit-reservation.ts';
import { InventoryErrors } from '../domain/inventory.errors.ts';
import type { ProductDeps } from '../domain/ports.ts';
import { releaseReservationIn } from '../domain/release-reservation.ts';

export const ORDER_OUTCOMES_GROUP = 'product.order-outcomes';

const COMMITTED = InventoryErrors.reservationCommitted().code;

// A refusal by the domain that is not a legal step of the saga will not change on retry: dead-letter it
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

/**
 * The product service's side of the order saga, each event through the inbox. order.paid.v1 sells the
 * order's held stock and answers inventory.committed.v1 or inventory.commit-failed.v1 (never a dead
 * letter: a paid order must end confirmed or refunded). order.cancelled.v1 puts held stock back on sale.
 */
export const orderOutcomesConsumer = fp(
  async (app: FastifyInstance, opts: { deps: ProductDeps; transactions: ProductTransactions }) => {
    const consumer = app.events.consumer<ProductTx>({
      group: ORDER_OUTCOMES_GROUP,
      inbox: { transaction: (work) => opts.transactions.run(work) },
    });
    consumer.on(OrderPaidV1, async (event, { tx }) => {
      const outcome = await commitPaidOrderIn(tx, opts.deps, event.data.orderId);
      if (outcome.kind === 'failed')
        app.log.warn(
          { orderId: event.data.orderId, reason: outcome.reason, unavailable: outcome.unavailable },
          'a paid order could not be sold its stock; inventory.commit-failed.v1 asks the order saga to refund it',
        );
    });
    consumer.on(OrderCancelledV1, (event, { tx }) =>
      refusalsArePoison(async () => {
        try {
          await releaseReservationIn(tx, opts.deps, event.data.orderId);
        } catch (error) {
          // Sold stock is not released: undoing a sale is a refund's and a return's business. The
          // cancellation is legal (it can overtake the payment), so it is skipped, not dead-lettered.
          if (!(error instanceof AppError && error.code === COMMITTED)) throw error;
          app.log.warn(
            { orderId: event.data.orderId, reason: event.data.reason },
            'order.cancelled.v1 for an order whose stock is already sold; skipped (a refund returns it)',
          );
        }
      }),
    );
    await consumer.start();
  },
  { name: 'order-outcomes-consumer', dependencies: ['events'] },
);
