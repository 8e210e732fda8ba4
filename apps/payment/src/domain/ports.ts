import type { EventContract, EventData, Money } from '@shop/contracts';
import type { Payment, PaymentStatus, Refund, RefundStatus } from './payment.ts';
import type { PaymentProvider } from './provider.ts';

/** Writes an integration event in the transaction it is given (the outbox of @shop/events fits). */
export type Publish = <C extends EventContract>(
  contract: C,
  subject: string,
  data: EventData<C>,
) => Promise<void>;

/** An order as the order service's internal read tells it: what a payment may charge, and for whom. */
export interface OrderToPay {
  id: string;
  customerId: string;
  status: string;
  total: Money;
  paymentId: string | null;
}

/** The order service, as the payment service reads it. */
export interface OrderDirectory {
  /** The order, or null when the order service has none with this id. */
  find(orderId: string): Promise<OrderToPay | null>;
}

/** Reads outside a transaction. */
export interface PaymentReader {
  findById(id: string): Promise<Payment | null>;
  /** The payments of one order, oldest first; only `customerId`'s when given. */
  listForOrder(orderId: string, customerId?: string): Promise<Payment[]>;
  /** Payments still processing whose last change is before `before`, oldest first. */
  stuckProcessing(before: Date, limit: number): Promise<Payment[]>;
  /** Payments created in [from, to) after the keyset `after`, oldest first (reconciliation pages). */
  createdBetween(
    range: { from: Date; to: Date; after?: { createdAt: Date; id: string } },
    limit: number,
  ): Promise<Payment[]>;
  findRefund(id: string): Promise<Refund | null>;
  refundsOf(paymentId: string): Promise<Refund[]>;
  /** Refunds still pending whose last change is before `before`, oldest first. */
  stuckRefunds(before: Date, limit: number): Promise<Refund[]>;
}

export interface ChargeOutcome {
  status: Exclude<PaymentStatus, 'processing'>;
  providerChargeId: string | null;
  failureCode: string | null;
}

/** Writes inside one transaction. */
export interface PaymentWriter {
  /** Inserts a processing payment; false (writing nothing) when its id exists or its order has a live payment. */
  insert(payment: Payment): Promise<boolean>;
  /** The payment, row-locked until the transaction ends, or null. */
  lock(id: string): Promise<Payment | null>;
  /** Records the provider's charge id of a payment still processing (and moves its `updatedAt`). */
  recordCharge(id: string, providerChargeId: string | null, now: Date): Promise<void>;
  /** processing -> the outcome; null (changing nothing) when the payment is not processing any more. */
  settle(id: string, outcome: ChargeOutcome, now: Date): Promise<Payment | null>;
  /** failed (provider unavailable) -> processing again; false when its order has another live payment now. */
  reopen(id: string, now: Date): Promise<boolean>;
  insertRefund(refund: Refund): Promise<void>;
  findRefundByRequest(paymentId: string, requestKey: string): Promise<Refund | null>;
  lockRefund(id: string): Promise<Refund | null>;
  /**
   * Moves a refund's amount on its (locked) payment: `reserve` into pending, `release` out of pending,
   * `confirm` from pending into refunded. The database refuses a total above the capture.
   */
  moveRefundAmount(
    paymentId: string,
    amount: number,
    move: 'reserve' | 'release' | 'confirm',
    now: Date,
  ): Promise<void>;
  /** pending|failed -> `status`; false when the refund was not in `from`. */
  setRefundStatus(
    id: string,
    from: RefundStatus,
    to: { status: RefundStatus; providerRefundId?: string | null; failureCode?: string | null },
    now: Date,
  ): Promise<boolean>;
  /** Records a provider webhook event; false when it was recorded before (a replay). */
  recordWebhookEvent(provider: string, eventId: string, type: string): Promise<boolean>;
}

/** One transaction: the writes, the outbox, raw SQL (for the inbox and the idempotency keys), after-commit work. */
export interface PaymentUnitOfWork {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  payments: PaymentWriter;
  publish: Publish;
  /** Runs after a successful commit, never after a rollback. */
  afterCommit(effect: () => Promise<void>): void;
}

export interface PaymentTransactions {
  run<T>(work: (uow: PaymentUnitOfWork) => Promise<T>): Promise<T>;
}

export interface PaymentDeps {
  payments: PaymentReader;
  transactions: PaymentTransactions;
  orders: OrderDirectory;
  provider: PaymentProvider;
  newId(): string;
  now(): Date;
  warn(err: unknown, message: string, context?: Record<string, unknown>): void;
}
