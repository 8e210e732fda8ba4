import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SandboxChargePageSchema, SandboxChargeSchema } from '@shop/contracts';
import { problemResponses } from '@shop/platform';
import type { SandboxTransactions } from '../../data-access/sandbox-store.ts';
import { chargeView, testCardOf, type Charge } from '../../domain/charge.ts';
import { createCharge, testCardFor } from '../../domain/create-charge.ts';
import type { SandboxDeps } from '../../domain/ports.ts';
import { getCharge, listCharges } from '../../domain/read-charges.ts';
import { ChargeIdParams, CreateChargeBody, ListChargesQuery } from './charges.schemas.ts';

const tags = ['charges'];
const security = [{ bearerAuth: [] }];

export interface ChargeRoutesOptions {
  deps: SandboxDeps;
  transactions: SandboxTransactions;
  /** `pm_card_timeout`'s late answer (SANDBOX_TIMEOUT_DELAY_MS). */
  timeoutDelayMs: number;
  /** Aborted when the service closes, so a late answer does not hold the shutdown. */
  closing: AbortSignal;
}

export const chargeRoutes: FastifyPluginAsyncTypebox<ChargeRoutesOptions> = async (
  app,
  { deps, transactions, timeoutDelayMs, closing },
) => {
  app.post(
    '/',
    {
      config: { idempotency: { resourceId: () => deps.newId('ch') } },
      schema: {
        tags,
        summary: 'Charge a test payment method',
        description:
          "The outcome is the test card's (see the README). Send an `Idempotency-Key`: a retry with the same key " +
          'and body answers the same charge in its current state, never a second charge; the same key with ' +
          'another body is 422.',
        security,
        body: CreateChargeBody,
        response: { 201: SandboxChargeSchema, ...problemResponses(400, 401, 409, 422, 503) },
      },
      // Runs before the idempotency plugin's own onSend (added when the route is registered).
      onSend: async (request, reply, payload) => {
        if (reply.statusCode !== 201 || typeof payload !== 'string') return payload;
        if (reply.getHeader('idempotent-replayed') === 'true') {
          // Stripe replays the first answer; this sandbox answers the charge as it is now, so a caller that
          // timed out or crashed learns the outcome from its retry (a processing charge may have settled).
          const { id } = JSON.parse(payload) as { id: string };
          const current = await deps.charges.find(id);
          return current === null ? payload : (reply.serialize(chargeView(current)) as string);
        }
        if (testCardOf(request.body.paymentMethod)?.answersLate) {
          // The charge and its key are committed; only the answer is late, past any sane caller's timeout.
          await sleep(timeoutDelayMs, undefined, { signal: closing }).catch(() => undefined);
        }
        return payload;
      },
    },
    async (request, reply) => {
      const card = testCardFor(request.body.paymentMethod);
      await request.idempotency.complete(reply, async (tx) => {
        const charge: Charge = await createCharge(
          deps,
          transactions.on(tx),
          request.idempotency.resourceId,
          request.body,
          card,
        );
        return {
          statusCode: 201,
          headers: { location: `/v1/charges/${charge.id}` },
          body: chargeView(charge),
        };
      });
      return reply;
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One charge, in its current state (amountRefunded included)',
        security,
        params: ChargeIdParams,
        response: { 200: SandboxChargeSchema, ...problemResponses(400, 401, 404, 503) },
      },
    },
    async (request) => chargeView(await getCharge(deps, request.params.id)),
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary:
          'Charges created in [createdFrom, createdTo), oldest first, a page at a time (reconciliation)',
        security,
        querystring: ListChargesQuery,
        response: { 200: SandboxChargePageSchema, ...problemResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const { createdFrom, createdTo, limit, cursor } = request.query;
      const page = await listCharges(deps, {
        ...(createdFrom === undefined ? {} : { from: new Date(createdFrom) }),
        ...(createdTo === undefined ? {} : { to: new Date(createdTo) }),
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      });
      return {
        data: page.charges.map(chargeView),
        hasMore: page.nextCursor !== undefined,
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );
};
