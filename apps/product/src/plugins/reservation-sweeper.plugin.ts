import { registerPeriodicTask } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ProductDeps } from '../domain/ports.ts';
import { releaseExpiredReservations } from '../domain/release-expired-reservations.ts';

/** Every `intervalMs`, releases the stock of orders that were not paid in time; every replica sweeps. */
export const reservationSweeperPlugin = fp(
  async (app: FastifyInstance, opts: { deps: ProductDeps; intervalMs: number }) => {
    registerPeriodicTask(app, {
      name: 'releasing expired reservations',
      intervalMs: opts.intervalMs,
      round: () => releaseExpiredReservations(opts.deps),
      didWork: () => 'released expired stock reservations',
    });
  },
  { name: 'reservation-sweeper', dependencies: ['prisma'] },
);
