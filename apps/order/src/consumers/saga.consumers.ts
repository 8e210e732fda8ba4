import {
  InventoryCommitFailedV1,
  InventoryCommittedV1,
  PaymentFailedV1,
  PaymentRefundedV1,
  PaymentSucceededV1,
  type EventEnvelope,
} from '@shop/contracts';
import { PoisonEventError, type InboxStore } from '@shop/events';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import {
  onPaymentFailed,
  onPaymentRefunded,
  onPaymentSucceeded,
  onStockCommitFailed,
  onStockCommitted,
  type SagaOutcome,
} from '../domain/order-saga.ts';
import type { OrderDeps, OrderUnitOfWork } from '../domain/ports.ts';

export const PAYMENT_OUTCOMES_GROUP = 'order.payment-outcomes';
export const INVENTORY_OUTCOMES_GROUP = 'order.inventory-outcomes';

/**
 * Each event is handled on the shard its order lives on, in one transaction with that shard's inbox
 * record, so a redelivery changes nothing. The shard comes from the order id the event is keyed by; an
 * id no shard could have made is poison (dead-lettered at once: retrying cannot help).
 */
function shardInbox(deps: OrderDeps): (event: EventEnvelope) => InboxStore<OrderUnitOfWork> {
  return (event) => {
    const shard = deps.shards.shardOfOrder(event.subject);
    if (shard === undefined)
      throw new PoisonEventError(
        `${event.type} ${event.id} names no order of this service (${event.subject})`,
      );
    return deps.shards.store(shard);
  };
}

/** An event for an order this service never wrote is a bug upstream: someone must look at it. */
function expectKnownOrder(type: string, orderId: string, outcome: SagaOutcome): void {
  if (outcome.kind === 'unknown-order') throw new PoisonEventError(`${type} for an unknown order ${orderId}`);
}

/** The saga's reactions: payment outcomes and inventory outcomes, each group with its own inbox rows. */
export const sagaConsumers = fp(
  async (app: FastifyInstance, { deps }: { deps: OrderDeps }) => {
    const inbox = shardInbox(deps);
    const payments = app.events.consumer<OrderUnitOfWork>({ group: PAYMENT_OUTCOMES_GROUP, inbox });
    payments.on(PaymentSucceededV1, async (event, { tx }) =>
      expectKnownOrder(event.type, event.data.orderId, await onPaymentSucceeded(tx, event.data, deps.now())),
    );
    payments.on(PaymentFailedV1, async (event, { tx }) =>
      expectKnownOrder(event.type, event.data.orderId, await onPaymentFailed(tx, event.data, deps.now())),
    );
    payments.on(PaymentRefundedV1, async (event, { tx }) =>
      expectKnownOrder(event.type, event.data.orderId, await onPaymentRefunded(tx, event.data, deps.now())),
    );

    const inventory = app.events.consumer<OrderUnitOfWork>({ group: INVENTORY_OUTCOMES_GROUP, inbox });
    inventory.on(InventoryCommittedV1, async (event, { tx }) =>
      expectKnownOrder(
        event.type,
        event.data.orderId,
        await onStockCommitted(tx, event.data.orderId, deps.now()),
      ),
    );
    inventory.on(InventoryCommitFailedV1, async (event, { tx }) =>
      expectKnownOrder(
        event.type,
        event.data.orderId,
        await onStockCommitFailed(tx, event.data.orderId, deps.now()),
      ),
    );
    // Hooks close in reverse order of registration, so this runs before the shards plugin closes the
    // databases: the events in hand finish on open pools (the events plugin would stop them only after).
    app.addHook('onClose', async () => {
      await Promise.all([payments.stop(), inventory.stop()]);
    });
    await payments.start();
    await inventory.start();
  },
  { name: 'order-saga-consumers', dependencies: ['events'] },
);
