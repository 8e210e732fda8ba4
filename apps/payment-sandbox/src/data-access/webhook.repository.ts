import type { WebhookOutbox, WebhookQueue } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

const LAST_ERROR_MAX = 1000;

export function createWebhookOutbox(tx: Prisma.TransactionClient, enabled: boolean): WebhookOutbox {
  return {
    enabled,
    async add(event) {
      await tx.webhookEvent.create({
        data: { ...event, status: 'pending', attempts: 0, nextAttemptAt: event.createdAt },
      });
    },
  };
}

export function createWebhookQueue(prisma: PrismaClient): WebhookQueue {
  return {
    async claimDue(now, leaseMs, limit) {
      // The lease moves next_attempt_at past the send, so another deliverer (or this one's next round) leaves
      // it alone; a deliverer that dies mid-send leaves it due again when the lease ends. At least once.
      const leasedUntil = new Date(now.getTime() + leaseMs);
      return prisma.$queryRaw<{ id: string; payload: string; attempts: number }[]>`
        UPDATE webhook_events SET next_attempt_at = ${leasedUntil}
        WHERE id IN (
          SELECT id FROM webhook_events
          WHERE status = 'pending' AND next_attempt_at <= ${now}
          ORDER BY next_attempt_at, created_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING id, payload, attempts`;
    },

    async markDelivered(id, at) {
      await prisma.webhookEvent.update({
        where: { id },
        data: { status: 'delivered', deliveredAt: at, attempts: { increment: 1 }, lastError: null },
      });
    },

    async markAttemptFailed(id, attempts, retryAt, error) {
      await prisma.webhookEvent.update({
        where: { id },
        data: {
          attempts,
          lastError: error.slice(0, LAST_ERROR_MAX),
          ...(retryAt === null ? { status: 'failed' } : { nextAttemptAt: retryAt }),
        },
      });
    },
  };
}
