import type { StockLevel } from '../domain/inventory.ts';
import type { StockRepository } from '../domain/ports.ts';
import type { Prisma } from '../generated/prisma/client.ts';

// Every change is one conditional UPDATE: the row lock it takes serializes concurrent orders, and the
// WHERE clause (plus the CHECK constraints) guarantees no count ever goes below zero.
export function createStockRepository(tx: Prisma.TransactionClient): StockRepository {
  const available = async (query: Promise<{ available: number }[]>): Promise<number | null> =>
    (await query)[0]?.available ?? null;

  return {
    async create(productId, units) {
      await tx.stockLevel.create({ data: { productId, available: units } });
    },

    hold: (productId, quantity) =>
      available(tx.$queryRaw`
        UPDATE stock_levels s
           SET available = s.available - ${quantity}, reserved = s.reserved + ${quantity}, updated_at = now()
         WHERE s.product_id = ${productId}::uuid AND s.available >= ${quantity}
           AND EXISTS (SELECT 1 FROM products p WHERE p.id = s.product_id AND p.active AND p.deleted_at IS NULL)
        RETURNING s.available`),

    unhold: (productId, quantity) =>
      available(tx.$queryRaw`
        UPDATE stock_levels
           SET available = available + ${quantity}, reserved = reserved - ${quantity}, updated_at = now()
         WHERE product_id = ${productId}::uuid AND reserved >= ${quantity}
        RETURNING available`),

    sellHeld: (productId, quantity) =>
      available(tx.$queryRaw`
        UPDATE stock_levels SET reserved = reserved - ${quantity}, updated_at = now()
         WHERE product_id = ${productId}::uuid AND reserved >= ${quantity}
        RETURNING available`),

    sellAvailable: (productId, quantity) =>
      available(tx.$queryRaw`
        UPDATE stock_levels SET available = available - ${quantity}, updated_at = now()
         WHERE product_id = ${productId}::uuid AND available >= ${quantity}
        RETURNING available`),

    async adjust(productId, delta): Promise<StockLevel | null> {
      const rows = await tx.$queryRaw<StockLevel[]>`
        UPDATE stock_levels SET available = available + ${delta}, updated_at = now()
         WHERE product_id = ${productId}::uuid AND available + ${delta} >= 0
        RETURNING product_id AS "productId", available, reserved`;
      return rows[0] ?? null;
    },

    lockLevels: (productIds) =>
      tx.$queryRaw<StockLevel[]>`
        SELECT product_id AS "productId", available, reserved FROM stock_levels
         WHERE product_id = ANY(${[...productIds]}::uuid[])
         ORDER BY product_id
           FOR UPDATE`,

    level: (productId) =>
      tx.stockLevel.findUnique({
        where: { productId },
        select: { productId: true, available: true, reserved: true },
      }),
  };
}
