import { createTransactions } from '@shop/database';
import type { SqlTransaction } from '@shop/events';
import type { Publish, PaymentTransactions } from '../domain/ports.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createPaymentWriter } from './payment.repository.ts';

/** Payment's units of work: its writes and the outbox in one Prisma transaction. */
export function createPaymentTransactions(
  prisma: PrismaClient,
  opts: { publish: (tx: SqlTransaction) => Publish; onEffectError(error: unknown): void },
): PaymentTransactions {
  return createTransactions(prisma, {
    repositories: (tx) => ({ payments: createPaymentWriter(tx) }),
    ...opts,
  });
}
