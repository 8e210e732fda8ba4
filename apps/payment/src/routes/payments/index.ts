import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '@shop/platform';
import { createPayment } from '../../domain/create-payment.ts';
import { getPayment } from '../../domain/get-payment.ts';
import type { PaymentDeps } from '../../domain/ports.ts';
import type { Payment } from '../../domain/payment.ts';
import { CreatePaymentBody, PaymentIdParams, PaymentView } from './payments.schemas.ts';

const tags = ['payments'];
const security = [{ bearerAuth: [] }];
const view = (payment: Payment) => ({ ...payment, createdAt: payment.createdAt.toISOString() });

export const paymentRoutes: FastifyPluginAsyncTypebox<{ deps: PaymentDeps }> = async (app, { deps }) => {
  app.post(
    '/',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'Create a payment of your own',
        security,
        body: CreatePaymentBody,
        response: { 201: PaymentView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(view(await createPayment(deps, request.caller!.id, request.body))),
  );

  app.get(
    '/:id',
    {
      onRequest: app.requireRole('customer'),
      schema: {
        tags,
        summary: 'One of your payments',
        security,
        params: PaymentIdParams,
        response: { 200: PaymentView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => view(await getPayment(deps, request.caller!.id, request.params.id)),
  );
};
