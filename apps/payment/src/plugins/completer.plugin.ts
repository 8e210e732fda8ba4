import { registerPeriodicTask } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import {
  finishStuckRefunds,
  settleStuckPayments,
  type CompleterSettings,
} from '../domain/complete-payments.ts';
import type { PaymentDeps } from '../domain/ports.ts';

/**
 * Every `intervalMs`, settles the payments and finishes the refunds left in flight longer than `afterMs`
 * (a timeout, a crash, a lost webhook) by asking the provider with the same derived keys. Every replica
 * runs it; the conditional writes make a payment's outcome and event happen once whoever gets there first.
 */
export const completerPlugin = fp(
  async (app: FastifyInstance, opts: { deps: PaymentDeps; intervalMs: number } & CompleterSettings) => {
    const settings = { afterMs: opts.afterMs, batchSize: opts.batchSize };
    registerPeriodicTask(app, {
      name: 'settling payments left processing',
      intervalMs: opts.intervalMs,
      round: async () =>
        (await settleStuckPayments(opts.deps, settings)) + (await finishStuckRefunds(opts.deps, settings)),
      didWork: (count) => `settled ${count} payments or refunds left in flight`,
    });
  },
  { name: 'payment-completer' },
);
