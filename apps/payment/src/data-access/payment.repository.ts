import { sqlStateOf } from '@shop/database';
import type { Payment, Refund } from '../domain/payment.ts';
import type { PaymentReader, PaymentWriter } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

type PaymentRow = Prisma.PaymentGetPayload<object>;
type RefundRow = Prisma.RefundGetPayload<object>;
type Db = PrismaClient | Prisma.TransactionClient;

const UNIQUE_VIOLATION = '23505';

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    orderId: row.orderId,
    customerId: row.customerId,
    status: row.status,
    amount: { amount: row.amount, currency: row.currency },
    paymentMethod: row.paymentMethod,
    provider: row.provider,
    providerChargeId: row.providerChargeId,
    failureCode: row.failureCode,
    refundedAmount: row.refundedAmount,
    refundPendingAmount: row.refundPendingAmount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toRefund(row: RefundRow, currency: string): Refund {
  return {
    id: row.id,
    paymentId: row.paymentId,
    amount: { amount: row.amount, currency },
    reason: row.reason,
    requestKey: row.requestKey,
    requestedBy: row.requestedBy,
    status: row.status,
    providerRefundId: row.providerRefundId,
    failureCode: row.failureCode,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const withCurrency = { payment: { select: { currency: true } } } as const;

async function findRefund(db: Db, where: Prisma.RefundWhereUniqueInput): Promise<Refund | null> {
  const row = await db.refund.findUnique({ where, include: withCurrency });
  return row === null ? null : toRefund(row, row.payment.currency);
}

export function createPaymentReader(prisma: PrismaClient): PaymentReader {
  return {
    async findById(id) {
      const row = await prisma.payment.findUnique({ where: { id } });
      return row === null ? null : toPayment(row);
    },
    async listForOrder(orderId, customerId) {
      const rows = await prisma.payment.findMany({
        where: { orderId, ...(customerId === undefined ? {} : { customerId }) },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: 100,
      });
      return rows.map(toPayment);
    },
    async stuckProcessing(before, limit) {
      const rows = await prisma.payment.findMany({
        where: { status: 'processing', updatedAt: { lt: before } },
        orderBy: { updatedAt: 'asc' },
        take: limit,
      });
      return rows.map(toPayment);
    },
    async createdBetween({ from, to, after }, limit) {
      const rows = await prisma.payment.findMany({
        where: {
          createdAt: { gte: from, lt: to },
          ...(after === undefined
            ? {}
            : {
                OR: [
                  { createdAt: { gt: after.createdAt } },
                  { createdAt: after.createdAt, id: { gt: after.id } },
                ],
              }),
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: limit,
      });
      return rows.map(toPayment);
    },
    findRefund: (id) => findRefund(prisma, { id }),
    async refundsOf(paymentId) {
      const rows = await prisma.refund.findMany({
        where: { paymentId },
        include: withCurrency,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: 100,
      });
      return rows.map((row) => toRefund(row, row.payment.currency));
    },
    async stuckRefunds(before, limit) {
      const rows = await prisma.refund.findMany({
        where: { status: 'pending', updatedAt: { lt: before } },
        include: withCurrency,
        orderBy: { updatedAt: 'asc' },
        take: limit,
      });
      return rows.map((row) => toRefund(row, row.payment.currency));
    },
  };
}

export function createPaymentWriter(tx: Prisma.TransactionClient): PaymentWriter {
  return {
    async insert(payment) {
      // ON CONFLICT covers both the primary key (a retry's second insert) and the live order id (another
      // payment of the order is processing or succeeded); a concurrent insert waits for the first to commit.
      const inserted = await tx.$executeRaw`
        INSERT INTO payments (id, order_id, live_order_id, customer_id, status, amount, currency,
                              payment_method, provider, created_at, updated_at)
        VALUES (${payment.id}::uuid, ${payment.orderId}::uuid, ${payment.orderId}::uuid,
                ${payment.customerId}::uuid, 'processing', ${payment.amount.amount}, ${payment.amount.currency},
                ${payment.paymentMethod}, ${payment.provider}, ${payment.createdAt}, ${payment.updatedAt})
        ON CONFLICT DO NOTHING`;
      return inserted === 1;
    },
    async lock(id) {
      const locked = await tx.$queryRaw<
        { id: string }[]
      >`SELECT id FROM payments WHERE id = ${id}::uuid FOR UPDATE`;
      if (locked.length === 0) return null;
      return toPayment(await tx.payment.findUniqueOrThrow({ where: { id } }));
    },
    async recordCharge(id, providerChargeId, now) {
      await tx.payment.updateMany({
        where: { id, status: 'processing' },
        data: { providerChargeId, updatedAt: now },
      });
    },
    async settle(id, outcome, now) {
      const { count } = await tx.payment.updateMany({
        where: { id, status: 'processing' },
        data: {
          status: outcome.status,
          providerChargeId: outcome.providerChargeId ?? undefined,
          failureCode: outcome.failureCode,
          liveOrderId: outcome.status === 'failed' ? null : undefined,
          updatedAt: now,
        },
      });
      if (count === 0) return null;
      return toPayment(await tx.payment.findUniqueOrThrow({ where: { id } }));
    },
    async reopen(id, now) {
      // NOT EXISTS cannot see a payment of the order that goes live concurrently (another key's insert or
      // reopen, not committed yet); the unique live_order_id then refuses this one, which is the same answer.
      // The savepoint keeps the transaction usable after that refusal.
      await tx.$executeRaw`SAVEPOINT reopen_payment`;
      try {
        const reopened = await tx.$executeRaw`
          UPDATE payments SET status = 'processing', live_order_id = order_id, failure_code = NULL, updated_at = ${now}
           WHERE id = ${id}::uuid AND status = 'failed'
             AND NOT EXISTS (SELECT 1 FROM payments other WHERE other.live_order_id = payments.order_id)`;
        await tx.$executeRaw`RELEASE SAVEPOINT reopen_payment`;
        return reopened === 1;
      } catch (error) {
        if (sqlStateOf(error) !== UNIQUE_VIOLATION) throw error;
        await tx.$executeRaw`ROLLBACK TO SAVEPOINT reopen_payment`;
        return false;
      }
    },
    async insertRefund(refund) {
      await tx.refund.create({
        data: {
          id: refund.id,
          paymentId: refund.paymentId,
          amount: refund.amount.amount,
          reason: refund.reason,
          requestKey: refund.requestKey,
          requestedBy: refund.requestedBy,
          status: refund.status,
          createdAt: refund.createdAt,
          updatedAt: refund.updatedAt,
        },
      });
    },
    findRefundByRequest: (paymentId, requestKey) =>
      findRefund(tx, { paymentId_requestKey: { paymentId, requestKey } }),
    async lockRefund(id) {
      const locked = await tx.$queryRaw<
        { id: string }[]
      >`SELECT id FROM refunds WHERE id = ${id}::uuid FOR UPDATE`;
      return locked.length === 0 ? null : findRefund(tx, { id });
    },
    async moveRefundAmount(paymentId, amount, move, now) {
      const data =
        move === 'reserve'
          ? { refundPendingAmount: { increment: amount } }
          : move === 'release'
            ? { refundPendingAmount: { decrement: amount } }
            : { refundPendingAmount: { decrement: amount }, refundedAmount: { increment: amount } };
      await tx.payment.update({ where: { id: paymentId }, data: { ...data, updatedAt: now } });
    },
    async setRefundStatus(id, from, to, now) {
      const { count } = await tx.refund.updateMany({
        where: { id, status: from },
        data: {
          status: to.status,
          ...(to.providerRefundId === undefined ? {} : { providerRefundId: to.providerRefundId }),
          ...(to.failureCode === undefined ? {} : { failureCode: to.failureCode }),
          updatedAt: now,
        },
      });
      return count === 1;
    },
    async recordWebhookEvent(provider, eventId, type) {
      const inserted = await tx.$executeRaw`
        INSERT INTO processed_webhook_events (provider, event_id, type) VALUES (${provider}, ${eventId}, ${type})
        ON CONFLICT DO NOTHING`;
      return inserted === 1;
    },
  };
}
