import {
  categoryName,
  type Category,
  type ManagedProduct,
  type ProductAvailability,
  type ProductStatus,
} from '../domain/product.ts';
import type { ProductReader, ProductWriter, UpdateOutcome } from '../domain/ports.ts';
import { ProductErrors } from '../domain/product.errors.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { productColumns, toProduct } from './product-rows.ts';
import { searchProducts } from './product-search.ts';

const live = { active: true, deletedAt: null } as const;

const inStatus: Record<ProductStatus, Prisma.ProductWhereInput> = {
  active: live,
  inactive: { active: false, deletedAt: null },
  deleted: { deletedAt: { not: null } },
};

const managedColumns = { ...productColumns, deletedAt: true } as const;

function toManaged(row: Parameters<typeof toProduct>[0] & { deletedAt: Date | null }): ManagedProduct {
  return { ...toProduct(row), deletedAt: row.deletedAt?.toISOString() ?? null };
}

export function createProductReader(prisma: PrismaClient): ProductReader {
  return {
    async findById(id) {
      const row = await prisma.product.findFirst({ where: { id, ...live }, select: productColumns });
      return row ? toProduct(row) : null;
    },

    search: (search) => searchProducts(prisma, search),

    async categories(): Promise<Category[]> {
      const groups = await prisma.product.groupBy({
        by: ['category'],
        where: live,
        _count: { _all: true },
        orderBy: { category: 'asc' },
      });
      return groups.map((group) => ({
        slug: group.category,
        name: categoryName(group.category),
        productCount: group._count._all,
      }));
    },

    async availability(ids): Promise<ProductAvailability[]> {
      const rows = await prisma.product.findMany({
        where: { id: { in: [...ids] }, deletedAt: null },
        select: {
          id: true,
          sku: true,
          name: true,
          priceAmount: true,
          priceCurrency: true,
          imageUrl: true,
          active: true,
          stock: { select: { available: true } },
        },
      });
      return rows.map((row) => ({
        id: row.id,
        sku: row.sku,
        name: row.name,
        price: { amount: row.priceAmount, currency: row.priceCurrency },
        imageUrl: row.imageUrl,
        sellable: row.active,
        available: row.active ? (row.stock?.available ?? 0) : 0,
      }));
    },

    async findManaged(id) {
      const row = await prisma.product.findUnique({ where: { id }, select: managedColumns });
      return row ? toManaged(row) : null;
    },

    async listManaged({ status, limit, after }) {
      const keyset: Prisma.ProductWhereInput =
        after === undefined
          ? {}
          : {
              OR: [
                { updatedAt: { lt: new Date(after.updatedAt) } },
                { updatedAt: new Date(after.updatedAt), id: { lt: after.id } },
              ],
            };
      const rows = await prisma.product.findMany({
        where: { AND: [status === undefined ? {} : inStatus[status], keyset] },
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        select: managedColumns,
      });
      return rows.map(toManaged);
    },
  };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

export function createProductWriter(tx: Prisma.TransactionClient): ProductWriter {
  return {
    async create(id, input, now) {
      try {
        const row = await tx.product.create({
          data: {
            id,
            sku: input.sku,
            name: input.name,
            description: input.description,
            category: input.category,
            priceAmount: input.price.amount,
            priceCurrency: input.price.currency,
            imageUrl: input.imageUrl,
            attributes: input.attributes,
            active: input.active,
            createdAt: now,
            updatedAt: now,
          },
          select: productColumns,
        });
        return toProduct(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw ProductErrors.skuTaken();
        throw error;
      }
    },

    async update(id, expectedVersion, changes, now): Promise<UpdateOutcome> {
      let count: number;
      try {
        ({ count } = await tx.product.updateMany({
          where: { id, version: expectedVersion, deletedAt: null },
          data: {
            sku: changes.sku,
            name: changes.name,
            description: changes.description,
            category: changes.category,
            priceAmount: changes.price?.amount,
            priceCurrency: changes.price?.currency,
            imageUrl: changes.imageUrl,
            attributes: changes.attributes,
            active: changes.active,
            version: { increment: 1 },
            updatedAt: now,
          },
        }));
      } catch (error) {
        if (isUniqueViolation(error)) throw ProductErrors.skuTaken();
        throw error;
      }
      const row = await tx.product.findUnique({
        where: { id },
        select: { ...productColumns, deletedAt: true },
      });
      if (!row || row.deletedAt) return { kind: 'not-found' };
      if (count === 0) return { kind: 'stale', currentVersion: row.version };
      return { kind: 'updated', product: toProduct(row) };
    },

    async softDelete(id, now) {
      const { count } = await tx.product.updateMany({
        where: { id, deletedAt: null },
        data: { deletedAt: now, active: false, version: { increment: 1 }, updatedAt: now },
      });
      if (count === 0) return null;
      const row = await tx.product.findUniqueOrThrow({ where: { id }, select: productColumns });
      return toProduct(row);
    },

    async exists(id) {
      return (await tx.product.findUnique({ where: { id }, select: { id: true } })) !== null;
    },
  };
}
