import type { SqlTransaction } from '@shop/idempotency';
import type { SandboxStore } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { createChargeRepository, createRefundRepository } from './charge.repository.ts';
import { createWebhookOutbox } from './webhook.repository.ts';

/** The repositories of one transaction: Prisma's, or the one the idempotency store hands `complete`. */
export function sandboxStoreOn(tx: Prisma.TransactionClient, webhooksEnabled: boolean): SandboxStore {
  return {
    charges: createChargeRepository(tx),
    refunds: createRefundRepository(tx),
    webhooks: createWebhookOutbox(tx, webhooksEnabled),
  };
}

export interface SandboxTransactions {
  /** A unit of work in its own transaction (the settler's). */
  run<T>(work: (store: SandboxStore) => Promise<T>): Promise<T>;
  /** The store on the idempotency plugin's transaction, which is the Prisma store's transaction client. */
  on(tx: SqlTransaction): SandboxStore;
}

export function createSandboxTransactions(
  prisma: PrismaClient,
  webhooksEnabled: boolean,
): SandboxTransactions {
  return {
    run: (work) => prisma.$transaction((tx) => work(sandboxStoreOn(tx, webhooksEnabled))),
    on: (tx) => sandboxStoreOn(tx as Prisma.TransactionClient, webhooksEnabled),
  };
}
