import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SANDBOX_SIGNATURE_HEADER } from '@shop/contracts';
import { problemResponses } from '@shop/platform';
import { Type } from 'typebox';
import { applyWebhook } from '../../domain/apply-webhook.ts';
import type { PaymentDeps } from '../../domain/ports.ts';

const WebhookAnswer = Type.Object({
  received: Type.Literal(true),
  eventId: Type.String(),
  /** false: the payment was settled already (by the completer or the answer), or is none of ours. */
  applied: Type.Boolean(),
});

const MAX_WEBHOOK_BYTES = 65_536;

/**
 * The card processor's webhooks. Public (no token: the signature is the authentication); the body is kept
 * as the raw string the signature covers, so this scope parses JSON as text and the domain verifies it.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ deps: PaymentDeps }> = async (app, { deps }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  app.post(
    '/sandbox',
    {
      bodyLimit: MAX_WEBHOOK_BYTES,
      schema: {
        tags: ['webhooks'],
        summary: "The sandbox card processor's webhooks (charge settled, refunded)",
        description: `Signed in the ${SANDBOX_SIGNATURE_HEADER} header (HMAC-SHA256 over "<t>.<raw body>"); a missing, forged or stale signature, or an event applied already, is a 400 and changes nothing.`,
        body: Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_BYTES }),
        headers: Type.Object({
          [SANDBOX_SIGNATURE_HEADER.toLowerCase()]: Type.Optional(Type.String({ maxLength: 4_096 })),
        }),
        response: { 200: WebhookAnswer, ...problemResponses(400, 413, 415) },
      },
    },
    async (request) => {
      const signature = request.headers[SANDBOX_SIGNATURE_HEADER.toLowerCase()];
      const outcome = await applyWebhook(
        deps,
        request.body,
        typeof signature === 'string' ? signature : undefined,
      );
      return { received: true as const, ...outcome };
    },
  );
};
