import { registerPeriodicTask } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { PaymentDeps } from '../domain/ports.ts';
import { DIFFERENCE_KINDS, reconcile } from '../domain/reconcile.ts';

/**
 * Every `intervalMs`, compares the provider's charges with our payments over the last `windowMs` (ending
 * `settleMs` ago, so payments still in flight are left to the completer), logs every difference and sets
 * `payment_reconciliation_differences{kind}`. `npm run payments:reconcile` runs the same check by hand.
 */
export const reconciliationPlugin = fp(
  async (
    app: FastifyInstance,
    opts: { deps: PaymentDeps; intervalMs: number; windowMs: number; settleMs: number },
  ) => {
    const gauge = new Gauge({
      name: 'payment_reconciliation_differences',
      help: "Differences the last reconciliation found between the provider's charges and our payments, by kind",
      labelNames: ['kind'],
      registers: [app.metrics],
    });
    for (const kind of DIFFERENCE_KINDS) gauge.labels(kind).set(0);
    if (opts.intervalMs === 0) return;
    registerPeriodicTask(app, {
      name: 'reconciling payments with the provider',
      intervalMs: opts.intervalMs,
      round: async () => {
        const to = new Date(opts.deps.now().getTime() - opts.settleMs);
        const report = await reconcile(opts.deps, { from: new Date(to.getTime() - opts.windowMs), to });
        for (const kind of DIFFERENCE_KINDS)
          gauge.labels(kind).set(report.differences.filter((d) => d.kind === kind).length);
        for (const difference of report.differences)
          app.log.warn({ difference }, `reconciliation: ${difference.kind}: ${difference.detail}`);
        // Zero: one round per interval (a round that found something must not repeat at once).
        return 0;
      },
    });
  },
  { name: 'payment-reconciliation', dependencies: ['platform-metrics'] },
);
