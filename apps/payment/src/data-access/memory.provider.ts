import { randomBytes } from 'node:crypto';
import { DEV_SANDBOX_WEBHOOK_SECRET, SANDBOX_MAX_AMOUNT } from '@shop/contracts';
import {
  ProviderOutcomeUnknownError,
  ProviderRequestRefusedError,
  ProviderUnavailableError,
  type ChargePage,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderCharge,
  type ProviderEvent,
  type ProviderRefund,
  type RefundRequest,
} from '../domain/provider.ts';
import { parseSandboxEvent, signSandboxPayload, verifySandboxSignature } from './sandbox.provider.ts';

export interface MemoryProviderOptions {
  /** How long a `pm_card_processing` charge stays processing (default 2000 ms, the sandbox's default). */
  processingDelayMs?: number;
  /** Signs the webhooks it emits and verifies the ones it is given (default: the sandbox's development secret). */
  webhookSecret?: string;
  /** Receives every webhook, signed as the sandbox signs it, when a charge settles or is refunded. */
  onWebhook?: (delivery: { rawBody: string; signatureHeader: string }) => void;
  now?: () => Date;
}

interface StoredCharge extends ProviderCharge {
  description?: string;
  /** Order of creation: breaks ties between charges of the same millisecond in the listing. */
  seq: number;
}

interface KeyRecord {
  fingerprint: string;
  id: string;
}

const MAX_PAGE = 100;

/**
 * The sandbox provider's behaviour in this process, for unit tests and fast component tests: the same test
 * payment methods with the same outcomes, idempotency keys (same key, other parameters: refused), refunds
 * never over the capture, keyset listing and signed webhooks. `pm_card_timeout` records the charge as
 * succeeded and throws ProviderOutcomeUnknownError on its first call, as the HTTP adapter does when the
 * sandbox answers past the timeout. The apps/payment/test/data-access contract suite holds both to it.
 */
export class MemoryPaymentProvider implements PaymentProvider {
  readonly name = 'memory';
  private readonly charges = new Map<string, StoredCharge>();
  private readonly refunds = new Map<string, ProviderRefund>();
  private readonly chargeKeys = new Map<string, KeyRecord>();
  private readonly refundKeys = new Map<string, KeyRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly processingDelayMs: number;
  private readonly webhookSecret: string;
  private readonly onWebhook: MemoryProviderOptions['onWebhook'];
  private readonly now: () => Date;
  private available = true;
  private seq = 0;

  constructor(options: MemoryProviderOptions = {}) {
    this.processingDelayMs = options.processingDelayMs ?? 2_000;
    this.webhookSecret = options.webhookSecret ?? DEV_SANDBOX_WEBHOOK_SECRET;
    this.onWebhook = options.onWebhook;
    this.now = options.now ?? (() => new Date());
  }

  /** An outage: while false every call throws ProviderUnavailableError and changes nothing. */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  async charge(request: ChargeRequest): Promise<ProviderCharge> {
    this.assertAvailable();
    const fingerprint = JSON.stringify([
      request.amount,
      request.currency,
      request.paymentMethod,
      request.reference,
      request.description ?? null,
    ]);
    const known = this.chargeKeys.get(request.idempotencyKey);
    if (known !== undefined) {
      if (known.fingerprint !== fingerprint) throw keyReused();
      return this.copy(this.charges.get(known.id)!);
    }
    if (!Number.isInteger(request.amount) || request.amount < 1 || request.amount > SANDBOX_MAX_AMOUNT) {
      throw new ProviderRequestRefusedError(
        `amount must be an integer of 1 to ${SANDBOX_MAX_AMOUNT} minor units.`,
        'invalid_request',
        400,
      );
    }
    const outcome = OUTCOMES[request.paymentMethod];
    if (outcome === undefined) {
      throw new ProviderRequestRefusedError(
        `No such payment method: ${request.paymentMethod}. Use one of the test payment methods.`,
        'unknown_payment_method',
        400,
      );
    }
    const charge: StoredCharge = {
      id: newId('ch'),
      status: outcome.status,
      ...(outcome.failureCode === undefined ? {} : { failureCode: outcome.failureCode }),
      amount: request.amount,
      currency: request.currency,
      amountRefunded: 0,
      paymentMethod: request.paymentMethod,
      reference: request.reference,
      ...(request.description === undefined ? {} : { description: request.description }),
      createdAt: this.now(),
      seq: ++this.seq,
    };
    this.charges.set(charge.id, charge);
    this.chargeKeys.set(request.idempotencyKey, { fingerprint, id: charge.id });
    if (charge.status === 'processing') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        charge.status = 'succeeded';
        this.emit('charge.succeeded', charge);
      }, this.processingDelayMs);
      timer.unref();
      this.timers.add(timer);
    } else {
      this.emit(charge.status === 'succeeded' ? 'charge.succeeded' : 'charge.failed', charge);
    }
    if (request.paymentMethod === 'pm_card_timeout') {
      throw new ProviderOutcomeUnknownError(
        "The memory provider plays the sandbox's late answer: the charge was made, but the caller never learns.",
      );
    }
    return this.copy(charge);
  }

  async getCharge(chargeId: string): Promise<ProviderCharge | null> {
    this.assertAvailable();
    const charge = this.charges.get(chargeId);
    return charge === undefined ? null : this.copy(charge);
  }

  async refund(request: RefundRequest): Promise<ProviderRefund> {
    this.assertAvailable();
    const fingerprint = JSON.stringify([request.chargeId, request.amount, request.reason ?? null]);
    const known = this.refundKeys.get(request.idempotencyKey);
    if (known !== undefined) {
      if (known.fingerprint !== fingerprint) throw keyReused();
      return { ...this.refunds.get(known.id)! };
    }
    const charge = this.charges.get(request.chargeId);
    if (charge === undefined) {
      throw new ProviderRequestRefusedError(`No such charge: ${request.chargeId}.`, 'resource_missing', 404);
    }
    if (charge.status !== 'succeeded') {
      throw new ProviderRequestRefusedError(
        `Charge ${charge.id} is ${charge.status}; only a succeeded charge can be refunded.`,
        'charge_not_refundable',
        409,
      );
    }
    const remaining = charge.amount - charge.amountRefunded;
    if (remaining === 0) {
      throw new ProviderRequestRefusedError(
        `Charge ${charge.id} is already refunded in full.`,
        'charge_already_refunded',
        409,
      );
    }
    if (!Number.isInteger(request.amount) || request.amount < 1 || request.amount > remaining) {
      throw new ProviderRequestRefusedError(
        `Refund of ${request.amount} is more than the ${remaining} left on charge ${charge.id}.`,
        'amount_too_large',
        400,
      );
    }
    const refund: ProviderRefund = {
      id: newId('re'),
      chargeId: charge.id,
      amount: request.amount,
      createdAt: this.now(),
    };
    charge.amountRefunded += refund.amount;
    this.refunds.set(refund.id, refund);
    this.refundKeys.set(request.idempotencyKey, { fingerprint, id: refund.id });
    this.emit('charge.refunded', charge);
    return { ...refund };
  }

  async listCharges(range: { from: Date; to: Date; cursor?: string; limit?: number }): Promise<ChargePage> {
    this.assertAvailable();
    const limit = Math.min(Math.max(range.limit ?? 20, 1), MAX_PAGE);
    const after = range.cursor === undefined ? undefined : this.charges.get(decodeCursor(range.cursor));
    if (range.cursor !== undefined && after === undefined) throw badCursor();
    const matching = [...this.charges.values()]
      .filter((c) => c.createdAt >= range.from && c.createdAt < range.to)
      .filter((c) => after === undefined || compareKeys(c, after) > 0)
      .sort(compareKeys);
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    return {
      charges: page.map((charge) => this.copy(charge)),
      ...(matching.length > limit && last ? { nextCursor: encodeCursor(last.id) } : {}),
    };
  }

  verifyWebhook(rawBody: string, signatureHeader: string | undefined, now = this.now()): ProviderEvent {
    verifySandboxSignature(rawBody, signatureHeader, this.webhookSecret, { now });
    return parseSandboxEvent(rawBody);
  }

  /** Stops the settlement timers of processing charges. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private assertAvailable(): void {
    if (!this.available) {
      throw new ProviderUnavailableError('The memory provider is set unavailable; retry later.', 1);
    }
  }

  private copy(charge: StoredCharge): ProviderCharge {
    const { description: _description, seq: _seq, ...rest } = charge;
    return { ...rest, createdAt: new Date(charge.createdAt) };
  }

  private emit(type: ProviderEvent['type'], charge: StoredCharge): void {
    if (this.onWebhook === undefined) return;
    const created = Math.floor(this.now().getTime() / 1000);
    const object = {
      id: charge.id,
      status: charge.status,
      ...(charge.failureCode === undefined ? {} : { failureCode: charge.failureCode }),
      amount: charge.amount,
      currency: charge.currency,
      amountRefunded: charge.amountRefunded,
      paymentMethod: charge.paymentMethod,
      reference: charge.reference,
      ...(charge.description === undefined ? {} : { description: charge.description }),
      createdAt: charge.createdAt.toISOString(),
    };
    const rawBody = JSON.stringify({ id: newId('evt'), type, created, data: { object } });
    this.onWebhook({ rawBody, signatureHeader: signSandboxPayload(rawBody, this.webhookSecret, created) });
  }
}

const OUTCOMES: Record<string, Pick<ProviderCharge, 'status' | 'failureCode'>> = {
  pm_card_visa: { status: 'succeeded' },
  pm_card_declined: { status: 'failed', failureCode: 'card_declined' },
  pm_card_insufficient_funds: { status: 'failed', failureCode: 'insufficient_funds' },
  pm_card_timeout: { status: 'succeeded' },
  pm_card_processing: { status: 'processing' },
};

function keyReused(): ProviderRequestRefusedError {
  return new ProviderRequestRefusedError(
    'This idempotency key was used with other parameters; use a new key for a new request.',
    'idempotency_key_reused',
    422,
  );
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function compareKeys(a: StoredCharge, b: StoredCharge): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || a.seq - b.seq;
}

function encodeCursor(chargeId: string): string {
  return Buffer.from(chargeId).toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString();
}

function badCursor(): ProviderRequestRefusedError {
  return new ProviderRequestRefusedError('The cursor is not one this provider gave.', 'invalid_request', 400);
}
