import type { EventContract, EventData } from '@shop/contracts';
import type { ProductSearch, RankedProduct } from './catalog-query.ts';
import type { Reservation, ReservationStatus, StockLevel, StockLine } from './inventory.ts';
import type {
  Category,
  ManagedProduct,
  NewProduct,
  Product,
  ProductChanges,
  ProductAvailability,
  ProductStatus,
} from './product.ts';

/** What the use cases need from the outside world; data-access/ and cache/ implement these. */
export interface ProductReader {
  /** A product the catalog shows (active, not deleted), or null. */
  findById(id: string): Promise<Product | null>;
  /** Up to `search.limit + 1` products after `search.after`, so the caller can tell whether more follow. */
  search(search: ProductSearch): Promise<RankedProduct[]>;
  categories(): Promise<Category[]>;
  /** The products among `ids` that exist and are not deleted, with their current stock, in any order. */
  availability(ids: readonly string[]): Promise<ProductAvailability[]>;
  /** Any product, hidden or deleted too, straight from the database (admins). */
  findManaged(id: string): Promise<ManagedProduct | null>;
  /**
   * Up to `limit + 1` products in `status` (all when undefined), most recently changed first, after the
   * keyset `after`, so the caller can tell whether more follow.
   */
  listManaged(query: ManagedListQuery): Promise<ManagedProduct[]>;
}

export interface ManagedListQuery {
  status?: ProductStatus;
  limit: number;
  after?: { updatedAt: string; id: string };
}

export type UpdateOutcome =
  { kind: 'updated'; product: Product } | { kind: 'not-found' } | { kind: 'stale'; currentVersion: number };

export interface ProductWriter {
  /** Throws ProductErrors.skuTaken when the SKU exists. */
  create(id: string, product: NewProduct, now: Date): Promise<Product>;
  /** Applies `changes` only if the product is live and still at `expectedVersion`; bumps the version. */
  update(id: string, expectedVersion: number, changes: ProductChanges, now: Date): Promise<UpdateOutcome>;
  /** Soft-deletes a live product and returns its last state; null when there is no live product. */
  softDelete(id: string, now: Date): Promise<Product | null>;
  /** Whether the id ever existed, deleted or not. */
  exists(id: string): Promise<boolean>;
}

/** Conditional stock updates: each answers the new `available`, or null when the condition did not hold. */
export interface StockRepository {
  create(productId: string, available: number): Promise<void>;
  /** available -= q, reserved += q, only if enough is available and the product is on sale. */
  hold(productId: string, quantity: number): Promise<number | null>;
  /** available += q, reserved -= q. */
  unhold(productId: string, quantity: number): Promise<number | null>;
  /** reserved -= q: held units are sold. */
  sellHeld(productId: string, quantity: number): Promise<number | null>;
  /** available -= q directly, for a late sale whose hold had lapsed. */
  sellAvailable(productId: string, quantity: number): Promise<number | null>;
  /** available += delta, only if the result is not negative. */
  adjust(productId: string, delta: number): Promise<StockLevel | null>;
  level(productId: string): Promise<StockLevel | null>;
  /** The levels of `productIds` (those that exist), row-locked in product id order until the transaction ends. */
  lockLevels(productIds: readonly string[]): Promise<StockLevel[]>;
}

export interface ReservationRepository {
  /** Creates the reservation row unless one exists for the order (a concurrent insert waits for the first). */
  insertIfAbsent(orderId: string, status: ReservationStatus, expiresAt: Date): Promise<boolean>;
  /** The reservation with its items, row-locked until the transaction ends. */
  lock(orderId: string): Promise<Reservation | null>;
  addItems(orderId: string, items: readonly StockLine[]): Promise<void>;
  setStatus(orderId: string, status: ReservationStatus, now: Date): Promise<void>;
}

/** One database transaction: the writes, the outbox, and effects that must wait for the commit. */
export interface UnitOfWork {
  products: ProductWriter;
  stock: StockRepository;
  reservations: ReservationRepository;
  /** Writes an integration event to the outbox in this transaction. */
  publish<TContract extends EventContract>(
    contract: TContract,
    subject: string,
    data: EventData<TContract>,
  ): Promise<void>;
  /** Runs `effect` after a successful commit (cache invalidation); never when the transaction rolls back. */
  afterCommit(effect: () => Promise<void>): void;
}

export interface Transactions {
  run<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T>;
}

export interface InventoryReader {
  reservation(orderId: string): Promise<Reservation | null>;
  stockLevel(productId: string): Promise<StockLevel | null>;
  /** Order ids whose hold lapsed before `now`, oldest first. */
  expiredReservations(now: Date, limit: number): Promise<string[]>;
}

/** Cache-aside for catalog reads; invalidations never throw (a write must not fail because the cache is down). */
export interface ProductCache {
  product(id: string, load: () => Promise<Product | null>): Promise<Product | undefined>;
  /** A list, search or categories page; every page is dropped by invalidateLists(). */
  page<T>(key: string, load: () => Promise<T>): Promise<T>;
  invalidateProduct(id: string): Promise<void>;
  invalidateLists(): Promise<void>;
}

export interface ProductDeps {
  products: ProductReader;
  inventory: InventoryReader;
  transactions: Transactions;
  cache: ProductCache;
  reservationTtlSeconds: number;
  newId(): string;
  now(): Date;
}
