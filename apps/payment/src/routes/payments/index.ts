import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { problemResponses } from '@shop/platform';
import type { Caller } from '../../domain/caller.ts';
import { payOrder } from '../../domain/pay-order.ts';
import type { Payment, Refund } from '../../domain/payment.ts';
import type { PaymentDeps, PaymentUnitOfWork } from '../../domain/ports.ts';
import { getPayment, listOrderPayments, listRefunds } from '../../domain/read-payments.ts';
import { refundPayment } from '../../domain/refund-payment.ts';
import { paymentView, refundView } from './payment-view.ts';
import {
  CreatePaymentBody,
  OrderPaymentsQuery,
  PaymentIdParams,
  PaymentListView,
  PaymentView,
  RefundBody,
  RefundListView,
  RefundView,
} from './payments.schemas.ts';

const tags = ['payments'];
const security = [{ bearerAuth: [] }];
const callerOf = (request: FastifyRequest): Caller => ({
  id: request.caller!.id,
  admin: request.caller!.roles.includes('admin'),
});
// A final state is 201; `processing`/`pending` is 202: accepted, the outcome follows (poll the Location).
const statusOf = (state: string) => (state === 'processing' || state === 'pending' ? 202 : 201);

/** Payments and refunds: every write takes an Idempotency-Key, scoped to the caller. */
export const paymentRoutes: FastifyPluginAsyncTypebox<{ deps: PaymentDeps }> = async (app, { deps }) => {
  app.post(
    '/',
    {
      onRequest: app.requireRole('customer'),
      // Chosen once per key: a retry after a crash resumes the same payment, and so the same provider key.
      config: { idempotency: { resourceId: () => randomUUID() } },
      schema: {
        tags,
        summary: 'Pay one of your orders',
        description:
          "The amount and currency are the order's, read from the order service. Answers 201 with the payment " +
          'when its outcome is final (`succeeded`, or `failed` with `failureReason`), 202 while the card ' +
          'processor has not decided (`processing`: read it again at `Location`). A retry with the same ' +
          '`Idempotency-Key` and body answers the first response and never charges twice; 503 (processor ' +
          'unreachable, nothing charged) may be retried with the same key after `Retry-After`.',
        security,
        body: CreatePaymentBody,
        response: {
          201: PaymentView,
          202: PaymentView,
          ...problemResponses(400, 401, 403, 404, 409, 422, 503),
        },
      },
    },
    async (request, reply) => {
      await payOrder(
        deps,
        {
          paymentId: request.idempotency.resourceId,
          customerId: request.caller!.id,
          orderId: request.body.orderId,
          paymentMethod: request.body.paymentMethod,
        },
        async (work) => {
          let payment: Payment | undefined;
          await request.idempotency.complete<PaymentUnitOfWork>(reply, async (uow) => {
            payment = await work(uow);
            return {
              statusCode: statusOf(payment.status),
              headers: { location: `/api/v1/payments/${payment.id}` },
              body: paymentView(payment),
            };
          });
          return payment!;
        },
      );
      return reply;
    },
  );

  app.get(
    '/',
    {
      onRequest: app.requireRole('customer', 'admin'),
      schema: {
        tags,
        summary: 'Your payments of one order, oldest first',
        description: "An admin sees every customer's.",
        security,
        querystring: OrderPaymentsQuery,
        response: { 200: PaymentListView, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      payments: (await listOrderPayments(deps, callerOf(request), request.query.orderId)).map(paymentView),
    }),
  );

  app.get(
    '/:id',
    {
      onRequest: app.requireRole('customer', 'admin'),
      schema: {
        tags,
        summary: 'One payment (yours, or any for an admin)',
        description: "Another customer's payment is a 404, exactly like an id that does not exist.",
        security,
        params: PaymentIdParams,
        response: { 200: PaymentView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => paymentView(await getPayment(deps, callerOf(request), request.params.id)),
  );

  app.post(
    '/:id/refunds',
    {
      onRequest: app.requireRole('customer', 'admin'),
      config: { idempotency: { resourceId: () => randomUUID() } },
      schema: {
        tags,
        summary: 'Refund a succeeded payment, in full or in part (its customer or an admin)',
        description:
          'Never more than what is left of the capture in total, also under concurrent requests (409). 201 ' +
          'once the processor refunded, 202 while its answer is unknown (`pending`; it is finished in the ' +
          'background with the same processor key, never twice).',
        security,
        params: PaymentIdParams,
        body: RefundBody,
        response: {
          201: RefundView,
          202: RefundView,
          ...problemResponses(400, 401, 403, 404, 409, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      await refundPayment(
        deps,
        {
          refundId: request.idempotency.resourceId,
          paymentId: request.params.id,
          ...(request.body.amount === undefined ? {} : { amount: request.body.amount }),
          reason: request.body.reason,
          requestedBy: caller.id,
          ...(caller.admin ? {} : { ownerOnly: caller.id }),
        },
        async (work) => {
          let refund: Refund | undefined;
          await request.idempotency.complete<PaymentUnitOfWork>(reply, async (uow) => {
            refund = await work(uow);
            return { statusCode: statusOf(refund.status), body: refundView(refund) };
          });
          return refund!;
        },
      );
      return reply;
    },
  );

  app.get(
    '/:id/refunds',
    {
      onRequest: app.requireRole('customer', 'admin'),
      schema: {
        tags,
        summary: "A payment's refunds, oldest first",
        security,
        params: PaymentIdParams,
        response: { 200: RefundListView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      refunds: (await listRefunds(deps, callerOf(request), request.params.id)).map(refundView),
    }),
  );
};
