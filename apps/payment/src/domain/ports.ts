import type { Payment, NewPayment } from './payment.ts';

/** What the use cases need from the outside world; data-access/ implements it. */
export interface PaymentRepository {
  create(payment: Payment): Promise<Payment>;
  /** The payment if it exists and belongs to `ownerId`, else null: another customer's is as absent as none. */
  findOwned(id: string, ownerId: string): Promise<Payment | null>;
}

export interface PaymentDeps {
  payments: PaymentRepository;
  newId(): string;
  now(): Date;
}

export type { NewPayment };
