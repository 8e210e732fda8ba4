import type { PaymentSandboxRepository } from '../domain/ports.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createPaymentSandboxRepository(prisma: PrismaClient): PaymentSandboxRepository {
  return {
    create: (paymentSandbox) => prisma.paymentSandbox.create({ data: paymentSandbox }),
    findOwned: (id, ownerId) => prisma.paymentSandbox.findFirst({ where: { id, ownerId } }),
  };
}
