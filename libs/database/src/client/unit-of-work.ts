/** What a unit of work needs of a Prisma client: interactive transactions (every generated client has them). */
export interface TransactionalClient<Tx> {
  $transaction<T>(work: (tx: Tx) => Promise<T>, options?: { maxWait?: number; timeout?: number }): Promise<T>;
}

/**
 * Raw SQL in the transaction, the way @shop/events' outbox and inbox and @shop/idempotency's keys read and
 * write their rows in it.
 */
export interface RawSql {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/** What every unit of work gives a use case besides its repositories. */
export interface UnitOfWorkBase extends RawSql {
  /** Runs `effect` after a successful commit (cache invalidation); never when the transaction rolls back. */
  afterCommit(effect: () => Promise<void>): void;
}

/** The repositories, `afterCommit`, raw SQL and, when the service publishes events, `publish`. */
export type UnitOfWork<Repositories, Publish = never> = Repositories &
  UnitOfWorkBase &
  ([Publish] extends [never] ? unknown : { publish: Publish });

export interface Transactions<Uow> {
  /** Runs `work` in one transaction, then the after-commit effects it registered. */
  run<T>(work: (uow: Uow) => Promise<T>): Promise<T>;
}

export interface UnitOfWorkOptions<Tx, Repositories, Publish> {
  /** The service's repositories on the transaction client. */
  repositories(tx: Tx): Repositories;
  /**
   * Writes integration events in the transaction; `outboxPublisher()` of @shop/events fits. A capability
   * passed in rather than imported, so this library knows nothing of events.
   */
  publish?: (tx: Tx & RawSql) => Publish;
  /** An after-commit effect failed: the transaction stands, so it is only reported. */
  onEffectError(error: unknown): void;
  /** How long to wait for a connection to start the transaction (default 15 s; the pool's own timeout still answers 503 first). */
  maxWaitMs?: number;
  /** How long the transaction may run before Prisma rolls it back (default 15 s). */
  timeoutMs?: number;
}

/**
 * Prisma interactive transactions as units of work: each run gives the use case the repositories built on
 * the transaction client, the outbox (through `publish`) and `afterCommit`, commits, then runs the
 * after-commit effects in order. Hundreds of checkouts may queue for a connection at once, so the waits
 * default to 15 s instead of Prisma's 2 s / 5 s.
 */
export function createTransactions<Tx extends RawSql, Repositories, Publish = never>(
  client: TransactionalClient<Tx>,
  options: UnitOfWorkOptions<Tx, Repositories, Publish>,
): Transactions<UnitOfWork<Repositories, Publish>> {
  const transactionOptions = { maxWait: options.maxWaitMs ?? 15_000, timeout: options.timeoutMs ?? 15_000 };
  return {
    async run<T>(work: (uow: UnitOfWork<Repositories, Publish>) => Promise<T>): Promise<T> {
      const effects: (() => Promise<void>)[] = [];
      const result = await client.$transaction((tx) => {
        const base: UnitOfWorkBase = {
          afterCommit: (effect) => void effects.push(effect),
          $executeRawUnsafe: (query, ...values) => tx.$executeRawUnsafe(query, ...values),
          $queryRawUnsafe: (query, ...values) => tx.$queryRawUnsafe(query, ...values),
        };
        const publish = options.publish === undefined ? {} : { publish: options.publish(tx) };
        return work({ ...options.repositories(tx), ...base, ...publish } as UnitOfWork<
          Repositories,
          Publish
        >);
      }, transactionOptions);
      for (const effect of effects) await effect().catch(options.onEffectError);
      return result;
    },
  };
}
