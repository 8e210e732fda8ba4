import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { registerPeriodicTask } from '@shop/platform';
import { createWebhookQueue } from '../data-access/webhook.repository.ts';
import { createWebhookSender } from '../data-access/webhook-sender.ts';
import { deliverDueWebhooks, type DeliveryPolicy } from '../domain/deliver-webhooks.ts';
import type { SandboxDeps } from '../domain/ports.ts';
import { settleDueCharges } from '../domain/settle-charges.ts';

export interface WorkersOptions {
  deps: SandboxDeps;
  intervalMs: number;
  /** Unset: no webhooks are recorded, so none are delivered. */
  webhook?: { url: string; secret: string; timeoutMs: number; maxAttempts: number; retryBaseMs: number };
}

/** The sandbox's background work on every replica: settling processing charges, delivering webhooks. */
export const workersPlugin = fp(
  async (app: FastifyInstance, { deps, intervalMs, webhook }: WorkersOptions) => {
    registerPeriodicTask(app, {
      name: 'settling processing charges',
      intervalMs,
      round: () => settleDueCharges(deps),
      didWork: (count) => `settled ${count} processing charges`,
    });
    if (webhook === undefined) return;
    const policy: DeliveryPolicy = {
      maxAttempts: webhook.maxAttempts,
      retryBaseMs: webhook.retryBaseMs,
      // A send is cut at its timeout; the lease outlasts it with room to record the outcome.
      leaseMs: webhook.timeoutMs * 2 + 1_000,
      batchSize: 20,
    };
    const queue = createWebhookQueue(app.prisma);
    const sender = createWebhookSender({ ...webhook, now: deps.now });
    registerPeriodicTask(app, {
      name: 'delivering webhooks',
      intervalMs,
      round: () => deliverDueWebhooks({ queue, sender, now: deps.now }, policy),
    });
  },
  { name: 'payment-sandbox-workers', dependencies: ['prisma'] },
);
