import type { Reservation } from '../domain/inventory.ts';
import type { InventoryReader, ReservationRepository } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

const withItems = {
  orderId: true,
  status: true,
  expiresAt: true,
  items: { select: { productId: true, quantity: true }, orderBy: { productId: 'asc' } },
} as const;

export function createReservationRepository(tx: Prisma.TransactionClient): ReservationRepository {
  return {
    async insertIfAbsent(orderId, status, expiresAt) {
      // ON CONFLICT DO NOTHING: a concurrent insert of the same order waits for the first to commit or roll back.
      const { count } = await tx.stockReservation.createMany({
        data: [{ orderId, status, expiresAt }],
        skipDuplicates: true,
      });
      return count === 1;
    },

    async lock(orderId): Promise<Reservation | null> {
      const locked = await tx.$queryRaw<{ order_id: string }[]>`
        SELECT order_id FROM stock_reservations WHERE order_id = ${orderId} FOR UPDATE`;
      if (locked.length === 0) return null;
      return tx.stockReservation.findUniqueOrThrow({ where: { orderId }, select: withItems });
    },

    async addItems(orderId, items) {
      await tx.stockReservationItem.createMany({ data: items.map((item) => ({ orderId, ...item })) });
    },

    async setStatus(orderId, status, now) {
      await tx.stockReservation.update({ where: { orderId }, data: { status, updatedAt: now } });
    },
  };
}

export function createInventoryReader(prisma: PrismaClient): InventoryReader {
  return {
    reservation: (orderId) => prisma.stockReservation.findUnique({ where: { orderId }, select: withItems }),

    stockLevel: (productId) =>
      prisma.stockLevel.findUnique({
        where: { productId },
        select: { productId: true, available: true, reserved: true },
      }),

    async expiredReservations(now, limit) {
      const rows = await prisma.stockReservation.findMany({
        where: { status: 'reserved', expiresAt: { lte: now } },
        orderBy: { expiresAt: 'asc' },
        take: limit,
        select: { orderId: true },
      });
      return rows.map((row) => row.orderId);
    },
  };
}
