import type { Charge, Refund } from '../domain/charge.ts';
import type { ChargeReader, ChargeRepository, RefundRepository } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

type ChargeRow = Prisma.ChargeGetPayload<object>;

const toCharge = (row: ChargeRow): Charge => ({
  id: row.id,
  status: row.status,
  failureCode: row.failureCode,
  amount: row.amount,
  currency: row.currency,
  amountRefunded: row.amountRefunded,
  paymentMethod: row.paymentMethod,
  reference: row.reference,
  description: row.description,
  settlesAt: row.settlesAt,
  createdAt: row.createdAt,
});

export function createChargeReader(prisma: PrismaClient): ChargeReader {
  return {
    async find(id) {
      const row = await prisma.charge.findUnique({ where: { id } });
      return row === null ? null : toCharge(row);
    },

    async page({ from, to, after, limit }) {
      const rows = await prisma.charge.findMany({
        where: {
          AND: [
            from === undefined && to === undefined
              ? {}
              : { createdAt: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } },
            after === undefined
              ? {}
              : {
                  OR: [
                    { createdAt: { gt: after.createdAt } },
                    { createdAt: after.createdAt, id: { gt: after.id } },
                  ],
                },
          ],
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: limit,
      });
      return rows.map(toCharge);
    },
  };
}

export function createChargeRepository(tx: Prisma.TransactionClient): ChargeRepository {
  return {
    async insert(charge) {
      await tx.charge.create({ data: charge });
    },

    async lock(id) {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM charges WHERE id = ${id} FOR UPDATE`;
      if (locked.length === 0) return null;
      return toCharge(await tx.charge.findUniqueOrThrow({ where: { id } }));
    },

    async addRefunded(id, amount) {
      return toCharge(
        await tx.charge.update({ where: { id }, data: { amountRefunded: { increment: amount } } }),
      );
    },

    async settleDue(now, limit) {
      // SKIP LOCKED: replicas settling at once take different charges instead of queueing on the same rows.
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM charges
        WHERE status = 'processing' AND settles_at <= ${now}
        ORDER BY settles_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED`;
      if (due.length === 0) return [];
      const ids = due.map((row) => row.id);
      await tx.charge.updateMany({
        where: { id: { in: ids } },
        data: { status: 'succeeded', settlesAt: null },
      });
      const rows = await tx.charge.findMany({ where: { id: { in: ids } }, orderBy: [{ createdAt: 'asc' }] });
      return rows.map(toCharge);
    },
  };
}

export function createRefundRepository(tx: Prisma.TransactionClient): RefundRepository {
  return {
    async insert(refund: Refund) {
      await tx.refund.create({ data: refund });
    },
  };
}
