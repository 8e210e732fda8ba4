import type { OrderRepository } from '../domain/ports.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createOrderRepository(prisma: PrismaClient): OrderRepository {
  return {
    create: (order) => prisma.order.create({ data: order }),
    findOwned: (id, ownerId) => prisma.order.findFirst({ where: { id, ownerId } }),
  };
}
