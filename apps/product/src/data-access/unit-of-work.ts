import type { EventContract, EventData } from '@shop/contracts';
import { Outbox, type SqlTransaction } from '@shop/events';
import { currentRequestId } from '@shop/platform';
import type { Transactions, UnitOfWork } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { busyAsUnavailable } from './database-busy.ts';
import { createProductWriter } from './product.repository.ts';
import { createReservationRepository } from './reservation.repository.ts';
import { createStockRepository } from './stock.repository.ts';

/** A unit of work that is also the SQL transaction @shop/events' inbox records into. */
export type ProductTx = UnitOfWork & SqlTransaction;

export interface ProductTransactions extends Transactions {
  run<T>(work: (uow: ProductTx) => Promise<T>): Promise<T>;
}

// Hundreds of checkouts may wait for a connection at once; Prisma's default 2 s wait would fail them.
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

/** Prisma interactive transactions with the outbox and after-commit effects. */
export function createTransactions(
  prisma: PrismaClient,
  opts: { outbox?: Outbox; onEffectError(error: unknown): void },
): ProductTransactions {
  const outbox = opts.outbox ?? new Outbox();
  return {
    async run<T>(work: (uow: ProductTx) => Promise<T>): Promise<T> {
      const effects: (() => Promise<void>)[] = [];
      const result = await busyAsUnavailable(() =>
        prisma.$transaction((tx) => work(unitOfWork(tx, outbox, effects)), TRANSACTION_OPTIONS),
      );
      for (const effect of effects) await effect().catch(opts.onEffectError);
      return result;
    },
  };
}

function unitOfWork(
  tx: Prisma.TransactionClient,
  outbox: Outbox,
  effects: (() => Promise<void>)[],
): ProductTx {
  return {
    products: createProductWriter(tx),
    stock: createStockRepository(tx),
    reservations: createReservationRepository(tx),
    async publish<TContract extends EventContract>(
      contract: TContract,
      subject: string,
      data: EventData<TContract>,
    ) {
      const requestId = currentRequestId();
      await outbox.enqueue(tx, contract, {
        subject,
        data,
        ...(requestId === undefined ? {} : { requestId }),
      });
    },
    afterCommit: (effect) => void effects.push(effect),
    $executeRawUnsafe: (query, ...values) => tx.$executeRawUnsafe(query, ...values),
  };
}
