import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SandboxRefundSchema } from '@shop/contracts';
import { problemResponses } from '@shop/platform';
import type { SandboxTransactions } from '../../data-access/sandbox-store.ts';
import { refundView } from '../../domain/charge.ts';
import type { SandboxDeps } from '../../domain/ports.ts';
import { refundCharge } from '../../domain/refund-charge.ts';
import { CreateRefundBody } from './refunds.schemas.ts';

export const refundRoutes: FastifyPluginAsyncTypebox<{
  deps: SandboxDeps;
  transactions: SandboxTransactions;
}> = async (app, { deps, transactions }) => {
  app.post(
    '/',
    {
      config: { idempotency: { resourceId: () => deps.newId('re') } },
      schema: {
        tags: ['refunds'],
        summary: 'Refund part or all of a succeeded charge',
        description:
          'Never more than the charge captured, in total, also under concurrency. Send an `Idempotency-Key`: ' +
          'a retry with the same key and body answers the same refund.',
        security: [{ bearerAuth: [] }],
        body: CreateRefundBody,
        response: { 201: SandboxRefundSchema, ...problemResponses(400, 401, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const { charge, amount, reason } = request.body;
      await request.idempotency.complete(reply, async (tx) => {
        const refund = await refundCharge(deps, transactions.on(tx), request.idempotency.resourceId, {
          chargeId: charge,
          ...(amount === undefined ? {} : { amount }),
          ...(reason === undefined ? {} : { reason }),
        });
        return { statusCode: 201, body: refundView(refund) };
      });
      return reply;
    },
  );
};
