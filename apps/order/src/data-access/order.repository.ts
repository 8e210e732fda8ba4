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
  const load = async (ids: string[]) => {
    const rows = await tx.order.findMany({
      where: { id: { in: ids } },
      include: withLines,
      orderBy: NEWEST_FIRST,
    });
    return rows.map(toOrder);
  };
  return {
    async insert(order) {
      await tx.order.create({
        data: {
          id: order.id,
          customerId: order.customerId,
          status: order.status,
          currency: order.total.currency,
          totalAmount: order.total.amount,
          shippingAddress: order.shippingAddress as unknown as Prisma.InputJsonObject,
          paymentId: order.paymentId,
          refundedAmount: order.refunded.amount,
          reason: order.reason,
          expiresAt: order.expiresAt,
          version: order.version,
          createdAt: order.createdAt,
          updatedAt: order.updatedAt,
          lines: {
            create: order.lines.map((line, index) => ({
              lineNo: index + 1,
              productId: line.productId,
              sku: line.sku,
              name: line.name,
              quantity: line.quantity,
              unitPriceAmount: line.unitPrice.amount,
              lineTotalAmount: line.lineTotal.amount,
            })),
          },
        },
      });
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
