import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { createPaymentSandbox } from '../../domain/create-payment-sandbox.ts';
import { getPaymentSandbox } from '../../domain/get-payment-sandbox.ts';
import type { PaymentSandboxDeps } from '../../domain/ports.ts';
import type { PaymentSandbox } from '../../domain/payment-sandbox.ts';
import {
  CreatePaymentSandboxBody,
  PaymentSandboxIdParams,
  PaymentSandboxView,
} from './payment-sandboxs.schemas.ts';

const tags = ['payment-sandboxs'];
const security = [{ bearerAuth: [] }];
const view = (paymentSandbox: PaymentSandbox) => ({
  ...paymentSandbox,
  createdAt: paymentSandbox.createdAt.toISOString(),
});

export const paymentSandboxRoutes: FastifyPluginAsyncTypebox<{ deps: PaymentSandboxDeps }> = async (
  app,
  { deps },
) => {
  app.post(
    '/',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'Create a payment sandbox of your own',
        security,
        body: CreatePaymentSandboxBody,
        response: { 201: PaymentSandboxView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(view(await createPaymentSandbox(deps, request.caller!.id, request.body))),
  );

  app.get(
    '/:id',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'One of your payment-sandboxs',
        security,
        params: PaymentSandboxIdParams,
        response: { 200: PaymentSandboxView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => view(await getPaymentSandbox(deps, request.caller!.id, request.params.id)),
  );
};
