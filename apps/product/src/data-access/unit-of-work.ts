import { createTransactions, type Transactions, type UnitOfWork } from '@shop/database';
import type { Publish, SqlTransaction } from '@shop/events';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { createProductWriter } from './product.repository.ts';
import { createReservationRepository } from './reservation.repository.ts';
import { createStockRepository } from './stock.repository.ts';

/** The repositories a product use case writes through, on one transaction. */
function productRepositories(tx: Prisma.TransactionClient) {
  return {
    products: createProductWriter(tx),
    stock: createStockRepository(tx),
    reservations: createReservationRepository(tx),
  };
}

/** A unit of work that is also the SQL transaction @shop/events' inbox records into. */
export type ProductTx = UnitOfWork<ReturnType<typeof productRepositories>, Publish>;
export type ProductTransactions = Transactions<ProductTx>;

/** Product's units of work: its repositories and the outbox in one Prisma transaction. */
export function createProductTransactions(
  prisma: PrismaClient,
  opts: { publish: (tx: SqlTransaction) => Publish; onEffectError(error: unknown): void },
): ProductTransactions {
  return createTransactions(prisma, { repositories: productRepositories, ...opts });
}
