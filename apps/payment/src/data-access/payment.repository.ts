import type { PaymentRepository } from '../domain/ports.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createPaymentRepository(prisma: PrismaClient): PaymentRepository {
  return {
    create: (payment) => prisma.payment.create({ data: payment }),
    findOwned: (id, ownerId) => prisma.payment.findFirst({ where: { id, ownerId } }),
  };
}
