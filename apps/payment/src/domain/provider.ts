/**
 * The card processor, as the payment domain sees it. The sandbox (apps/payment-sandbox) implements it over
 * HTTP in data-access/sandbox.provider.ts; a Stripe adapter would implement the same port without touching
 * the domain. Amounts are integer minor units; payment methods are provider tokens (`pm_...`), never card data.
 */

export type ProviderChargeStatus = 'succeeded' | 'failed' | 'processing';

/** Why a charge failed, as the customer may be told. */
export type ProviderFailureCode = 'card_declined' | 'insufficient_funds';

export interface ProviderCharge {
  /** The provider's id (`ch_...`). */
  id: string;
  status: ProviderChargeStatus;
  failureCode?: ProviderFailureCode;
  amount: number;
  currency: string;
  /** Total refunded so far, in minor units. */
  amountRefunded: number;
  paymentMethod: string;
  /** Our payment id, recorded on the charge, so reconciliation can match the two sides. */
  reference: string;
  createdAt: Date;
}

export interface ProviderRefund {
  /** The provider's id (`re_...`). */
  id: string;
  chargeId: string;
  amount: number;
  createdAt: Date;
}

export interface ChargeRequest {
  /**
   * The provider's idempotency key, derived from our payment (never the client's key): a retry after a
   * timeout or a crash finds the charge it made instead of making a second one.
   */
  idempotencyKey: string;
  /** Our payment id. */
  reference: string;
  amount: number;
  currency: string;
  paymentMethod: string;
  description?: string;
}

export interface RefundRequest {
  /** Derived from our refund (or the saga's request), never the client's key. */
  idempotencyKey: string;
  chargeId: string;
  amount: number;
  reason?: string;
}

export interface ChargePage {
  charges: ProviderCharge[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** A verified webhook event: the charge in the state the event reports. */
export interface ProviderEvent {
  /** The provider's event id (`evt_...`): an event is applied at most once. */
  id: string;
  type: 'charge.succeeded' | 'charge.failed' | 'charge.refunded';
  createdAt: Date;
  charge: ProviderCharge;
}

export interface PaymentProvider {
  readonly name: string;
  /** Creates a charge, or returns the one this idempotency key already made (in its current state). */
  charge(request: ChargeRequest): Promise<ProviderCharge>;
  /** The charge, or null when the provider has none with that id. */
  getCharge(chargeId: string): Promise<ProviderCharge | null>;
  /** Refunds part or all of a succeeded charge; the same idempotency key returns the same refund. */
  refund(request: RefundRequest): Promise<ProviderRefund>;
  /** Charges created in [from, to), oldest first, a page at a time (reconciliation). */
  listCharges(range: { from: Date; to: Date; cursor?: string; limit?: number }): Promise<ChargePage>;
  /**
   * Checks a webhook's signature over the raw body (constant time, within a tolerance window) and parses it.
   * Throws ProviderWebhookRejectedError when the header is missing, forged, malformed or stale.
   */
  verifyWebhook(rawBody: string, signatureHeader: string | undefined, now?: Date): ProviderEvent;
}

/** The call may have reached the provider (timeout, connection lost mid-answer): the charge may exist. */
export class ProviderOutcomeUnknownError extends Error {
  override readonly name = 'ProviderOutcomeUnknownError';
}

/** The call certainly had no effect (breaker open, connection refused, 503 before any work). */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
  /** Seconds a caller should wait before trying again. */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The provider refused the request as invalid (unknown payment method, refund over the capture, ...). */
export class ProviderRequestRefusedError extends Error {
  override readonly name = 'ProviderRequestRefusedError';
  /** The provider's error code, e.g. `amount_too_large`, `charge_not_refundable`, `unknown_payment_method`. */
  readonly code: string;
  readonly status: number;
  constructor(message: string, code: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** A webhook whose signature or timestamp does not hold: answered 400, nothing changes. */
export class ProviderWebhookRejectedError extends Error {
  override readonly name = 'ProviderWebhookRejectedError';
}
