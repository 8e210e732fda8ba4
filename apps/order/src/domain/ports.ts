import type { ProductCatalog, StockLine, StockReservations } from './catalog.ts';
import type { EventContract, EventData, Money } from '@shop/contracts';
import type { Order, OrderStatus, RefundReason } from './order.ts';

/** Writes an integration event in the transaction it is given (the outbox of @shop/events fits). */
export type Publish = <C extends EventContract>(
  contract: C,
  subject: string,
  data: EventData<C>,
) => Promise<void>;

/** Keyset position in a newest-first listing: (createdAt, id) of the last order seen. */
export interface OrderKey {
  createdAt: Date;
  id: string;
}

export interface OrderFilters {
  status?: OrderStatus;
  createdFrom?: Date;
  createdTo?: Date;
}

export interface OrderListQuery extends OrderFilters {
  limit: number;
  after?: OrderKey | undefined;
}

export interface OrderPage {
  orders: Order[];
  /** Undefined on the last page. */
  nextCursor: string | undefined;
}

/** Reads of one shard. */
export interface OrderReader {
  findById(id: string): Promise<Order | null>;
  /** Up to `limit` orders of one customer, newest first, after the keyset. */
  listByCustomer(customerId: string, query: OrderListQuery): Promise<Order[]>;
  /** Up to `limit` orders of the whole shard, newest first (the admin scatter-gather reads each shard so). */
  list(query: OrderListQuery): Promise<Order[]>;
}

export interface RefundRequestRecord {
  orderId: string;
  paymentId: string;
  reason: RefundReason;
  amount: Money;
  requestedAt: Date;
}

/** Writes of one shard, inside one transaction. */
export interface OrderWriter {
  /** Writes a new order with its lines; false (writing nothing) when an order with its id exists. */
  insert(order: Order): Promise<boolean>;
  /** The order, locked until the transaction ends, or null. */
  lock(id: string): Promise<Order | null>;
  /** Saves a locked order's new state (status, payment, refund, reason, version, updatedAt). */
  save(order: Order): Promise<void>;
  /**
   * Records that `paymentId` is handed back for this order; false when it already was, in which case
   * the refund must not be requested again.
   */
  recordRefundRequest(request: RefundRequestRecord): Promise<boolean>;
  /** Up to `limit` unpaid orders past their expiry, locked (skipping those another replica holds). */
  lockExpired(now: Date, limit: number): Promise<Order[]>;
}

/**
 * One transaction on one shard: its orders, the outbox the events leave through, and raw SQL so the inbox
 * and the idempotency keys of that shard record in the same transaction.
 */
export interface OrderUnitOfWork {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  orders: OrderWriter;
  publish: Publish;
  /** Runs after a successful commit, never after a rollback. */
  afterCommit(effect: () => Promise<void>): void;
}

export interface ShardStore {
  transaction<T>(work: (uow: OrderUnitOfWork) => Promise<T>): Promise<T>;
  schema: string;
  /** Single statements committed on their own (an idempotency key's first claim is one INSERT). */
  autocommit: Pick<OrderUnitOfWork, '$executeRawUnsafe' | '$queryRawUnsafe'>;
}

export interface ShardTransactions {
  run<T>(work: (uow: OrderUnitOfWork) => Promise<T>): Promise<T>;
}

/** The shards as the use cases see them; data-access/order-shards.ts implements it over libs/sharding. */
export interface OrderShards {
  /** The logical shard of a customer, where all of their orders live. */
  shardOf(customerId: string): number;
  /** The shard an order id names, or undefined for an id no shard could have made. */
  shardOfOrder(orderId: string): number | undefined;
  /** A fresh, time-ordered order id carrying the shard. */
  newOrderId(shard: number): string;
  reader(shard: number): OrderReader;
  /** Throws a 503 AppError with Retry-After while the shard is frozen (it is being moved). */
  transactions(shard: number): ShardTransactions;
  /** Every shard, for sweeps. */
  all(): readonly number[];
  /**
   * One page of the orders of every shard, newest first: each shard read in parallel (bounded) and merged
   * by (createdAt, id), the cursor a global keyset. Throws a 503 AppError naming the shards that could
   * not answer, and a 400 for a cursor the service did not issue.
   */
  listAll(filters: OrderFilters, pageSize: number, cursor?: string): Promise<OrderPage>;
  /**
   * A shard as the inbox and the idempotency keys record into it: its transactions and its schema, so
   * their rows commit with the orders they belong to.
   */
  store(shard: number): ShardStore;
}

/** The cart checkout reads when the order names no items, and empties once the order is placed. */
export interface CheckoutCart {
  lines(customerId: string): Promise<StockLine[]>;
  clear(customerId: string): Promise<void>;
}

export interface OrderDeps {
  shards: OrderShards;
  catalog: ProductCatalog;
  reservations: StockReservations;
  cart: CheckoutCart;
  /** How long stock stays held for an unpaid order; it is cancelled when that lapses. */
  reservationTtlSeconds: number;
  now(): Date;
  /** Where failures that must not fail the request go (a release after a failed checkout, a cart clear). */
  warn(error: unknown, message: string): void;
}
