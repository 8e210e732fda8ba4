import { createTransactions } from '@shop/database';
import { Outbox, outboxPublisher, type Publish, type SqlTransaction } from '@shop/events';
import { currentRequestId } from '@shop/platform';
import { newOrderId, scatterGather, shardOfOrderId, type ShardedDatabase } from '@shop/sharding';
import type { OrderShards, OrderUnitOfWork } from '../domain/ports.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createOrderReader, createOrderWriter } from './order.repository.ts';

export interface OrderShardsOptions {
  /** Shards read at once by an admin listing; the rest wait (each read holds a pooled connection). */
  scatterConcurrency: number;
  onEffectError(error: unknown): void;
}

/**
 * The use cases' view of the shards over libs/sharding: which shard, and on it a reader or a unit of
 * work whose outbox is that shard's own. The client of a shard is asked for on every call, so a shard
 * the map moved to another server is followed at once.
 */
export function createOrderShards(
  database: ShardedDatabase<PrismaClient>,
  options: OrderShardsOptions,
): OrderShards {
  const publishers = new Map<number, (tx: SqlTransaction) => Publish>();
  const publisherOf = (shard: number) => {
    let publisher = publishers.get(shard);
    if (publisher === undefined) {
      publisher = outboxPublisher({
        outbox: new Outbox({ schema: database.schemaOf(shard) }),
        requestId: currentRequestId,
      });
      publishers.set(shard, publisher);
    }
    return publisher;
  };
  const shards: OrderShards = {
    shardOf: (customerId) => database.shardOf(customerId),
    shardOfOrder: (orderId) => shardOfOrderId(orderId, database.map.shardCount),
    newOrderId: (shard) => newOrderId(shard),
    store: (shard) => ({
      transaction: (work) => shards.transactions(shard).run(work),
      schema: database.schemaOf(shard),
      // A new key is claimed by one INSERT; the client is looked up per statement, like the transactions'.
      autocommit: {
        $queryRawUnsafe: <T>(sql: string, ...values: unknown[]) =>
          database.forWrite(shard).$queryRawUnsafe<T>(sql, ...values),
        $executeRawUnsafe: (sql: string, ...values: unknown[]) =>
          database.forWrite(shard).$executeRawUnsafe(sql, ...values),
      },
    }),
    all: () => database.shards(),
    reader: (shard) => createOrderReader(database.forRead(shard)),
    transactions(shard) {
      const client = database.forWrite(shard);
      const schema = database.schemaOf(shard);
      const transactions = createTransactions(client, {
        repositories: (tx) => ({ orders: createOrderWriter(tx, schema) }),
        publish: publisherOf(shard),
        onEffectError: options.onEffectError,
      });
      return { run: <T>(work: (uow: OrderUnitOfWork) => Promise<T>) => transactions.run(work) };
    },
    async listAll(filters, pageSize, cursor) {
      const page = await scatterGather({
        shards: database.shards(),
        concurrency: options.scatterConcurrency,
        pageSize,
        cursor,
        fetch: (shard, after, limit) =>
          createOrderReader(database.forRead(shard)).list({ ...filters, after, limit }),
      });
      return { orders: [...page.rows], nextCursor: page.nextCursor };
    },
  };
  return shards;
}
