import { OrderRefundRequestedV1 } from '@shop/contracts';
import { PoisonEventError } from '@shop/events';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { setTimeout as delay } from 'node:timers/promises';
import type { PaymentDeps, PaymentUnitOfWork } from '../domain/ports.ts';
import { refundRequestedIn } from '../domain/refund-requested.ts';

export const REFUNDS_GROUP = 'payment.refunds';

/** order.refund-requested.v1 -> one refund of the payment per request, each event through the inbox. */
export const refundRequestedConsumer = fp(
  async (app: FastifyInstance, { deps }: { deps: PaymentDeps }) => {
    const consumer = app.events.consumer<PaymentUnitOfWork>({
      group: REFUNDS_GROUP,
      inbox: { transaction: (work) => deps.transactions.run(work) },
    });
    consumer.on(OrderRefundRequestedV1, async (event, { tx }) => {
      const outcome = await refundRequestedIn(tx, deps, event.data);
      // Retrying cannot make a payment appear or match: someone must look at it (the dead-letter topic).
      if (outcome.kind === 'unknown-payment')
        throw new PoisonEventError(
          `${event.type} ${event.id} names no payment of ours (${event.data.paymentId})`,
        );
      if (outcome.kind === 'mismatch')
        throw new PoisonEventError(`${event.type} ${event.id}: ${outcome.why}`);
      if (outcome.kind === 'nothing-left')
        app.log.warn(
          { paymentId: event.data.paymentId, reason: event.data.reason },
          'order.refund-requested.v1 for a payment with nothing left to refund; skipped',
        );
    });
    // Joined in the background: a replica restarted after a crash waits for Kafka to drop its dead
    // predecessor from the group (the session timeout, 30 s), longer than Fastify lets a plugin start.
    let closing = false;
    const joined = (async () => {
      for (let attempt = 1; !closing; attempt += 1) {
        try {
          return await consumer.start();
        } catch (err) {
          app.log.error({ err, attempt }, `${REFUNDS_GROUP} could not join its group; retrying in 5 s`);
          await delay(5_000);
        }
      }
    })();
    // Stops before the database closes (onClose runs in reverse order of registration).
    app.addHook('onClose', async () => {
      closing = true;
      await joined;
      await consumer.stop();
    });
  },
  { name: 'payment-refund-requested-consumer', dependencies: ['events'] },
);
