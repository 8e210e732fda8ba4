import type { PaymentSandbox, NewPaymentSandbox } from './payment-sandbox.ts';

/** What the use cases need from the outside world; data-access/ implements it. */
export interface PaymentSandboxRepository {
  create(paymentSandbox: PaymentSandbox): Promise<PaymentSandbox>;
  /** The payment sandbox if it exists and belongs to `ownerId`, else null: another customer's is as absent as none. */
  findOwned(id: string, ownerId: string): Promise<PaymentSandbox | null>;
}

export interface PaymentSandboxDeps {
  paymentSandboxs: PaymentSandboxRepository;
  newId(): string;
  now(): Date;
}

export type { NewPaymentSandbox };
