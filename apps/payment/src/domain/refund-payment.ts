import { PaymentRefundedV1 } from '@shop/contracts';
import { PROVIDER_UNAVAILABLE, refundable, refundKeyOf, type Payment, type Refund } from './payment.ts';
import { PaymentErrors } from './payment.errors.ts';
import type { PaymentDeps, PaymentUnitOfWork } from './ports.ts';
import {
  ProviderOutcomeUnknownError,
  ProviderRequestRefusedError,
  ProviderUnavailableError,
  type ProviderRefund,
} from './provider.ts';

export interface RefundInput {
  /** Chosen once per Idempotency-Key (or per saga request), so a retry resumes this refund. */
  refundId: string;
  paymentId: string;
  /** Minor units; what is left of the payment when absent. */
  amount?: number;
  reason: string;
  requestedBy: string;
  /** The order saga's request (`order:<reason>`): one refund per payment and request, however often it comes. */
  requestKey?: string;
  /** Who may refund: the payment's customer, or anyone (an admin, the saga). */
  ownerOnly?: string;
}

/** Runs the last phase, as the route's idempotent completion or a plain transaction. */
export type RefundTransaction = (work: (uow: PaymentUnitOfWork) => Promise<Refund>) => Promise<Refund>;

function visible(payment: Payment | null, ownerOnly: string | undefined): Payment {
  if (payment === null || (ownerOnly !== undefined && payment.customerId !== ownerOnly))
    throw PaymentErrors.notFound();
  return payment;
}

function checkedAmount(payment: Payment, amount: number | undefined): number {
  if (payment.status !== 'succeeded')
    throw PaymentErrors.notRefundable(undefined, { extensions: { status: payment.status } });
  const left = refundable(payment);
  const wanted = amount ?? left;
  if (wanted <= 0 || wanted > left)
    throw PaymentErrors.refundExceedsCapture(
      `This payment has ${left} minor units of ${payment.amount.currency} left to refund; ask for at most that.`,
      { extensions: { refundable: { amount: left, currency: payment.amount.currency } } },
    );
  return wanted;
}

/**
 * Phase 1 in the caller's transaction: with the payment row locked, the amount is checked against what is
 * left and reserved, so two refunds at once can never pass the capture together (the database's CHECK is
 * the second wall). A refund that exists already (the same key, or the same saga request) is returned as
 * it is; one the provider could not be reached for is reserved again.
 */
export async function reserveRefundIn(
  uow: PaymentUnitOfWork,
  input: RefundInput,
  now: Date,
): Promise<Refund> {
  const payment = visible(await uow.payments.lock(input.paymentId), input.ownerOnly);
  const existing =
    (await uow.payments.lockRefund(input.refundId)) ??
    (input.requestKey === undefined
      ? null
      : await uow.payments.findRefundByRequest(payment.id, input.requestKey));
  if (existing !== null && existing.paymentId !== payment.id) throw PaymentErrors.notFound();
  if (existing !== null && !(existing.status === 'failed' && existing.failureCode === PROVIDER_UNAVAILABLE))
    return existing;

  const amount = existing?.amount.amount ?? checkedAmount(payment, input.amount);
  if (existing !== null) checkedAmount(payment, amount);
  await uow.payments.moveRefundAmount(payment.id, amount, 'reserve', now);
  if (existing !== null) {
    await uow.payments.setRefundStatus(existing.id, 'failed', { status: 'pending', failureCode: null }, now);
    return { ...existing, status: 'pending', failureCode: null, updatedAt: now };
  }
  const refund: Refund = {
    id: input.refundId,
    paymentId: payment.id,
    amount: { amount, currency: payment.amount.currency },
    reason: input.reason,
    requestKey: input.requestKey ?? null,
    requestedBy: input.requestedBy,
    status: 'pending',
    providerRefundId: null,
    failureCode: null,
    createdAt: now,
    updatedAt: now,
  };
  await uow.payments.insertRefund(refund);
  return refund;
}

/** Gives a refund's reserved amount back, once: the provider refused it or could not be reached. */
async function failRefundIn(uow: PaymentUnitOfWork, refund: Refund, code: string, now: Date): Promise<void> {
  if (await uow.payments.setRefundStatus(refund.id, 'pending', { status: 'failed', failureCode: code }, now))
    await uow.payments.moveRefundAmount(refund.paymentId, refund.amount.amount, 'release', now);
}

/** The provider refunded: pending -> succeeded and payment.refunded.v1, exactly once. */
async function confirmRefundIn(
  uow: PaymentUnitOfWork,
  refund: Refund,
  done: ProviderRefund,
  now: Date,
): Promise<Refund> {
  const payment = (await uow.payments.lock(refund.paymentId))!;
  const moved = await uow.payments.setRefundStatus(
    refund.id,
    'pending',
    { status: 'succeeded', providerRefundId: done.id },
    now,
  );
  if (moved) {
    await uow.payments.moveRefundAmount(refund.paymentId, refund.amount.amount, 'confirm', now);
    await uow.publish(PaymentRefundedV1, payment.orderId, {
      paymentId: payment.id,
      refundId: refund.id,
      orderId: payment.orderId,
      amount: refund.amount,
    });
  }
  return (await uow.payments.lockRefund(refund.id))!;
}

/**
 * Phases 2 and 3 of a reserved refund: the provider is asked with a key derived from the refund, then the
 * outcome is recorded. A timeout leaves it pending for the completer (same key, so never refunded twice).
 */
export async function executeRefund(
  deps: PaymentDeps,
  refund: Refund,
  finish: RefundTransaction = (work) => deps.transactions.run(work),
): Promise<Refund> {
  if (refund.status !== 'pending') return finish(async () => refund);
  const payment = (await deps.payments.findById(refund.paymentId))!;
  let done: ProviderRefund | undefined;
  try {
    done = await deps.provider.refund({
      idempotencyKey: refundKeyOf(refund.id),
      chargeId: payment.providerChargeId!,
      amount: refund.amount.amount,
      reason: refund.reason,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailableError) {
      await deps.transactions.run((uow) => failRefundIn(uow, refund, PROVIDER_UNAVAILABLE, deps.now()));
      throw PaymentErrors.providerUnavailable(undefined, {
        cause: error,
        headers: { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) },
        extensions: { refundId: refund.id },
      });
    }
    if (error instanceof ProviderRequestRefusedError) {
      await deps.transactions.run((uow) => failRefundIn(uow, refund, error.code, deps.now()));
      throw PaymentErrors.refundRefused(undefined, {
        cause: error,
        extensions: { refundId: refund.id, providerCode: error.code },
      });
    }
    if (!(error instanceof ProviderOutcomeUnknownError)) throw error;
    deps.warn(error, 'the provider did not answer a refund in time; it stays pending', {
      refundId: refund.id,
    });
  }
  return finish(async (uow) =>
    done === undefined
      ? ((await uow.payments.lockRefund(refund.id)) ?? refund)
      : confirmRefundIn(uow, refund, done, deps.now()),
  );
}

/** A refund asked for over HTTP: reserve (its own transaction), then the provider, then the record. */
export async function refundPayment(
  deps: PaymentDeps,
  input: RefundInput,
  finish?: RefundTransaction,
): Promise<Refund> {
  const refund = await deps.transactions.run((uow) => reserveRefundIn(uow, input, deps.now()));
  return executeRefund(deps, refund, finish);
}
