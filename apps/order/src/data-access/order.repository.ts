import type { Order, OrderStatus, ShippingAddress } from '../domain/order.ts';
import type { OrderListQuery, OrderReader, OrderWriter } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

// Every shard's client runs on a pool shared by all the shards of its server, so the connection's
// search_path says nothing: Prisma qualifies its own SQL with the client's schema, and the raw SQL here
// names the schema itself.
const quoted = (schema: string) => `"${schema.replaceAll('"', '""')}"`;

const withLines = {
  lines: { orderBy: { lineNo: 'asc' } },
} as const satisfies Prisma.OrderInclude;

type OrderRow = Prisma.OrderGetPayload<{ include: typeof withLines }>;

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerId: row.customerId,
    status: row.status as OrderStatus,
    lines: row.lines.map((line) => ({
      productId: line.productId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: { amount: line.unitPriceAmount, currency: row.currency },
      lineTotal: { amount: line.lineTotalAmount, currency: row.currency },
    })),
    total: { amount: row.totalAmount, currency: row.currency },
    shippingAddress: row.shippingAddress as unknown as ShippingAddress,
    paymentId: row.paymentId,
    refunded: { amount: row.refundedAmount, currency: row.currency },
    reason: row.reason,
    expiresAt: row.expiresAt,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Newest first by (createdAt, id), after the keyset and within the filters. */
function listWhere(query: OrderListQuery, customerId?: string): Prisma.OrderWhereInput {
  const { after, status, createdFrom, createdTo } = query;
  return {
    ...(customerId === undefined ? {} : { customerId }),
    ...(status === undefined ? {} : { status }),
    ...(createdFrom === undefined && createdTo === undefined
      ? {}
      : {
          createdAt: {
            ...(createdFrom === undefined ? {} : { gte: createdFrom }),
            ...(createdTo === undefined ? {} : { lt: createdTo }),
          },
        }),
    ...(after === undefined
      ? {}
      : {
          OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
        }),
  };
}

const NEWEST_FIRST = [
  { createdAt: 'desc' },
  { id: 'desc' },
] as const satisfies Prisma.OrderOrderByWithRelationInput[];

export function createOrderReader(prisma: PrismaClient): OrderReader {
  return {
    async findById(id) {
      const row = await prisma.order.findUnique({ where: { id }, include: withLines });
      return row === null ? null : toOrder(row);
    },
    async listByCustomer(customerId, query) {
      const rows = await prisma.order.findMany({
        where: listWhere(query, customerId),
        orderBy: NEWEST_FIRST,
        take: query.limit,
        include: withLines,
      });
      return rows.map(toOrder);
    },
    async list(query) {
      const rows = await prisma.order.findMany({
        where: listWhere(query),
        orderBy: NEWEST_FIRST,
        take: query.limit,
        include: withLines,
      });
      return rows.map(toOrder);
    },
  };
}

export function createOrderWriter(tx: Prisma.TransactionClient, schema: string): OrderWriter {
  const orders = `${quoted(schema)}."orders"`;
  const lines = `${quoted(schema)}."order_lines"`;
  const load = async (ids: string[]) => {
    const rows = await tx.order.findMany({
      where: { id: { in: ids } },
      include: withLines,
      orderBy: NEWEST_FIRST,
    });
    return rows.map(toOrder);
  };
  return {
    // One statement for the order and its lines, in raw SQL: checkout's hot path, where Prisma's nested
    // create costs two round trips, a read-back and a query compilation per order (see bench/README.md).
    // ON CONFLICT: a retry of a checkout whose first attempt committed finds its order and writes nothing.
    async insert(order) {
      const inserted = await tx.$executeRawUnsafe(
        `WITH placed AS (
           INSERT INTO ${orders} (id, customer_id, status, currency, total_amount, shipping_address, payment_id,
                                  refunded_amount, reason, expires_at, version, created_at, updated_at)
           VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (id) DO NOTHING
           RETURNING id
         )
         INSERT INTO ${lines} (order_id, line_no, product_id, sku, name, quantity, unit_price_amount, line_total_amount)
         SELECT placed.id, line.*
         FROM placed, unnest($14::int[], $15::uuid[], $16::text[], $17::text[], $18::int[], $19::int[], $20::int[])
           AS line(line_no, product_id, sku, name, quantity, unit_price_amount, line_total_amount)`,
        order.id,
        order.customerId,
        order.status,
        order.total.currency,
        order.total.amount,
        JSON.stringify(order.shippingAddress),
        order.paymentId,
        order.refunded.amount,
        order.reason,
        order.expiresAt,
        order.version,
        order.createdAt,
        order.updatedAt,
        order.lines.map((_, index) => index + 1),
        order.lines.map((line) => line.productId),
        order.lines.map((line) => line.sku),
        order.lines.map((line) => line.name),
        order.lines.map((line) => line.quantity),
        order.lines.map((line) => line.unitPrice.amount),
        order.lines.map((line) => line.lineTotal.amount),
      );
      return inserted > 0;
    },

    async lock(id) {
      const locked = await tx.$queryRawUnsafe<{ id: string }[]>(
        `SELECT id FROM ${orders} WHERE id = $1::uuid FOR UPDATE`,
        id,
      );
      if (locked.length === 0) return null;
      return (await load([id]))[0] ?? null;
    },

    async save(order) {
      await tx.order.update({
        where: { id: order.id },
        data: {
          status: order.status,
          paymentId: order.paymentId,
          refundedAmount: order.refunded.amount,
          reason: order.reason,
          version: order.version,
          updatedAt: order.updatedAt,
        },
      });
    },

    async recordRefundRequest({ orderId, paymentId, reason, amount, requestedAt }) {
      const { count } = await tx.orderRefundRequest.createMany({
        data: [{ orderId, paymentId, reason, amount: amount.amount, currency: amount.currency, requestedAt }],
        skipDuplicates: true,
      });
      return count === 1;
    },

    async lockExpired(now, limit) {
      const locked = await tx.$queryRawUnsafe<{ id: string }[]>(
        `SELECT id FROM ${orders} WHERE status = 'PENDING_PAYMENT' AND expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        now,
        limit,
      );
      return locked.length === 0 ? [] : load(locked.map((row) => row.id));
    },
  };
}
