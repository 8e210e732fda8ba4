import { PROVIDER_UNAVAILABLE, chargeKeyOf, type Payment } from './payment.ts';
import { PaymentErrors } from './payment.errors.ts';
import type { OrderToPay, PaymentDeps, PaymentUnitOfWork } from './ports.ts';
import {
  ProviderOutcomeUnknownError,
  ProviderRequestRefusedError,
  ProviderUnavailableError,
  type ChargeRequest,
  type ProviderCharge,
} from './provider.ts';
import { failIn, settleIn } from './settle-payment.ts';

export interface PayOrderInput {
  /** Chosen once per Idempotency-Key and kept by it, so a retry (after a crash too) resumes this payment. */
  paymentId: string;
  customerId: string;
  orderId: string;
  paymentMethod: string;
}

/**
 * Runs the last phase: the outcome, its event and (on the route) the idempotent response in one
 * transaction. `work` answers the payment as it stands after it.
 */
export type PaymentTransaction = (work: (uow: PaymentUnitOfWork) => Promise<Payment>) => Promise<Payment>;

/** What the provider is asked for a payment; the same request, with the same derived key, on every retry. */
export function chargeRequestOf(payment: Payment): ChargeRequest {
  return {
    idempotencyKey: chargeKeyOf(payment.id),
    reference: payment.id,
    amount: payment.amount.amount,
    currency: payment.amount.currency,
    paymentMethod: payment.paymentMethod,
    description: `order ${payment.orderId}`,
  };
}

/** The order must be the caller's, waiting for its payment, and not paid by another payment. */
function payableOrder(order: OrderToPay | null, customerId: string): OrderToPay {
  // Someone else's order answers exactly like one that does not exist, so ids cannot be probed.
  if (order === null || order.customerId !== customerId) throw PaymentErrors.orderNotFound();
  if (order.paymentId !== null || ['PAID', 'CONFIRMED'].includes(order.status))
    throw PaymentErrors.orderAlreadyPaid(undefined, { extensions: { paymentId: order.paymentId } });
  if (order.status !== 'PENDING_PAYMENT')
    throw PaymentErrors.orderNotPayable(undefined, { extensions: { orderStatus: order.status } });
  return order;
}

/**
 * Phase 1, in its own committed transaction: the payment is recorded `processing` before the provider
 * hears of it, so a crash after the charge leaves a row the retry and the completer can finish. The
 * unique live order id refuses a second live payment of the order, whatever key it came with. A payment
 * the provider could not be reached for is reopened by the retry of its key.
 */
async function begin(deps: PaymentDeps, input: PayOrderInput, found: Payment | null): Promise<Payment> {
  const order = payableOrder(await deps.orders.find(input.orderId), input.customerId);
  const now = deps.now();
  const payment: Payment = found ?? {
    id: input.paymentId,
    orderId: order.id,
    customerId: input.customerId,
    status: 'processing',
    amount: { ...order.total },
    paymentMethod: input.paymentMethod,
    provider: deps.provider.name,
    providerChargeId: null,
    failureCode: null,
    refundedAmount: 0,
    refundPendingAmount: 0,
    createdAt: now,
    updatedAt: now,
  };
  const started = await deps.transactions.run((uow) =>
    found === null ? uow.payments.insert(payment) : uow.payments.reopen(payment.id, now),
  );
  if (!started) {
    const live = (await deps.payments.listForOrder(order.id)).find((p) => p.status !== 'failed');
    throw PaymentErrors.orderHasLivePayment(undefined, { extensions: { paymentId: live?.id ?? null } });
  }
  return { ...payment, status: 'processing', failureCode: null, updatedAt: now };
}

/**
 * Pays an order with the amount and currency the order service holds, never the client's, in Brandur
 * Leach's atomic phases: (1) record the payment processing, (2) charge the provider with a key derived
 * from the payment, (3) record the outcome and its event. A retry of the same key resumes the same
 * payment id: a charge already made is found by its key instead of made twice.
 */
export async function payOrder(
  deps: PaymentDeps,
  input: PayOrderInput,
  finish: PaymentTransaction = (work) => deps.transactions.run(work),
): Promise<Payment> {
  const found = await deps.payments.findById(input.paymentId);
  if (found !== null && found.customerId !== input.customerId) throw PaymentErrors.notFound();
  const resumable =
    found === null || (found.status === 'failed' && found.failureCode === PROVIDER_UNAVAILABLE);
  const payment = resumable ? await begin(deps, input, found) : found;
  if (payment.status !== 'processing') return finish(async () => payment);

  let charge: ProviderCharge | undefined;
  try {
    charge = await deps.provider.charge(chargeRequestOf(payment));
  } catch (error) {
    if (error instanceof ProviderUnavailableError) {
      // Certainly no charge: the payment is failed so it blocks nothing, and the same key reopens it.
      await deps.transactions.run((uow) =>
        failIn(uow, payment.id, PROVIDER_UNAVAILABLE, deps.now(), { publish: false }),
      );
      throw PaymentErrors.providerUnavailable(undefined, {
        cause: error,
        headers: { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) },
        extensions: { paymentId: payment.id },
      });
    }
    if (error instanceof ProviderRequestRefusedError) {
      // Nothing was charged and retrying cannot change that; no payment.failed.v1, no card said no.
      await deps.transactions.run((uow) =>
        failIn(uow, payment.id, error.code, deps.now(), { publish: false }),
      );
      throw PaymentErrors.paymentMethodRefused(undefined, {
        cause: error,
        extensions: { paymentId: payment.id, providerCode: error.code },
      });
    }
    if (!(error instanceof ProviderOutcomeUnknownError)) throw error;
    // The charge may exist: the payment stays processing for the completer, the webhook or a retry.
    deps.warn(error, 'the provider did not answer a charge in time; the payment stays processing', {
      paymentId: payment.id,
    });
  }
  return finish(async (uow) => {
    const settled = charge === undefined ? null : await settleIn(uow, payment.id, charge, deps.now());
    return settled ?? (await uow.payments.lock(payment.id)) ?? payment;
  });
}
