import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ProductDeps } from '../domain/ports.ts';
import { releaseExpiredReservations } from '../domain/release-expired-reservations.ts';

/** Every `intervalMs`, releases the stock of orders that were not paid in time; every replica sweeps. */
export const reservationSweeperPlugin = fp(
  async (app: FastifyInstance, opts: { deps: ProductDeps; intervalMs: number }) => {
    let running: Promise<void> | undefined;
    const sweep = async () => {
      try {
        // Batches until none are left, so a backlog after an outage drains in one go.
        for (let released = -1; released !== 0;) {
          released = await releaseExpiredReservations(opts.deps);
          if (released > 0) app.log.info({ released }, 'released expired stock reservations');
        }
      } catch (err) {
        app.log.error({ err }, 'releasing expired reservations failed; retrying at the next sweep');
      }
    };
    const timer = setInterval(() => {
      running ??= sweep().finally(() => {
        running = undefined;
      });
    }, opts.intervalMs);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
  },
  { name: 'reservation-sweeper', dependencies: ['prisma'] },
);
