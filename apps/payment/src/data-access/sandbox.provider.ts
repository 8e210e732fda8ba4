import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  SandboxChargePageSchema,
  SandboxChargeSchema,
  SandboxEventSchema,
  SandboxRefundSchema,
  type SandboxCharge,
} from '@shop/contracts';
import {
  expectAnswer,
  isUpstreamFailure,
  ServiceClient,
  type ServiceRequest,
  type ServiceResponse,
} from '@shop/platform';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  ProviderOutcomeUnknownError,
  ProviderRequestRefusedError,
  ProviderUnavailableError,
  ProviderWebhookRejectedError,
  type ChargePage,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderCharge,
  type ProviderEvent,
  type ProviderRefund,
  type RefundRequest,
} from '../domain/provider.ts';

export interface SandboxProviderOptions {
  /** Origin of the sandbox, e.g. http://payment-sandbox:3005. */
  baseUrl: string;
  /** The sandbox's SANDBOX_API_KEY, sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** The sandbox's SANDBOX_WEBHOOK_SECRET: webhooks are verified with it. */
  webhookSecret: string;
  /** Per call (default 2000 ms); past it a charge or refund is outcome-unknown, a read unavailable. */
  timeoutMs?: number;
  /**
   * Extra attempts per call (default 0): every call carries an idempotency key, so a retry is safe, but the
   * payment service answers `processing` at once and its completer asks again, rather than holding the
   * customer through several timeouts.
   */
  retries?: number;
  /** Consecutive failures that open the breaker, and how long it stays open (default 5 and 10 s). */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** How far a webhook's timestamp may be from now (default 300 s, Stripe's). */
  webhookToleranceSeconds?: number;
}

const DEFAULT_TOLERANCE_SECONDS = 300;

const chargeAnswer = Compile(SandboxChargeSchema);
const refundAnswer = Compile(SandboxRefundSchema);
const pageAnswer = Compile(SandboxChargePageSchema);
const eventBody = Compile(SandboxEventSchema);
const problemAnswer = Compile(Type.Object({ code: Type.String(), detail: Type.Optional(Type.String()) }));

// The sandbox's problem codes, as the port's provider-neutral codes (Stripe's names where it has one).
const REFUSALS: Record<string, string> = {
  PAYMENT_SANDBOX_ERR_UNKNOWN_PAYMENT_METHOD: 'unknown_payment_method',
  PAYMENT_SANDBOX_ERR_CHARGE_NOT_FOUND: 'resource_missing',
  PAYMENT_SANDBOX_ERR_REFUND_TOO_LARGE: 'amount_too_large',
  PAYMENT_SANDBOX_ERR_CHARGE_NOT_REFUNDABLE: 'charge_not_refundable',
  PAYMENT_SANDBOX_ERR_CHARGE_ALREADY_REFUNDED: 'charge_already_refunded',
  IDEMPOTENCY_ERR_KEY_REUSED: 'idempotency_key_reused',
  PLATFORM_ERR_VALIDATION: 'invalid_request',
};

/**
 * The sandbox card processor (apps/payment-sandbox) over HTTP, through the platform's ServiceClient (timeout,
 * breaker). A charge or refund whose answer never came is ProviderOutcomeUnknownError (it may exist: retry
 * with the same key to find it); a call that certainly had no effect is ProviderUnavailableError.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';
  private readonly http: ServiceClient;
  private readonly headers: Record<string, string>;
  private readonly halfOpenAfterMs: number;
  private readonly webhookSecret: string;
  private readonly toleranceSeconds: number;

  constructor(options: SandboxProviderOptions) {
    const breaker = options.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
    this.halfOpenAfterMs = breaker.halfOpenAfterMs;
    this.headers = { authorization: `Bearer ${options.apiKey}` };
    this.webhookSecret = options.webhookSecret;
    this.toleranceSeconds = options.webhookToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    this.http = new ServiceClient({
      name: 'payment-sandbox',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries ?? 0,
      breaker,
    });
  }

  /** The breaker's state (Closed, Open, HalfOpen), for readiness and tests. */
  get breakerState(): string {
    return this.http.breakerState;
  }

  async charge(request: ChargeRequest): Promise<ProviderCharge> {
    const res = await this.call(
      {
        method: 'POST',
        path: '/v1/charges',
        idempotencyKey: request.idempotencyKey,
        body: {
          amount: request.amount,
          currency: request.currency,
          paymentMethod: request.paymentMethod,
          reference: request.reference,
          ...(request.description === undefined ? {} : { description: request.description }),
        },
      },
      { mutates: true },
    );
    if (res.status === 201 || res.status === 200)
      return providerCharge(
        expectAnswer(chargeAnswer, res, { upstream: 'sandbox provider', call: 'charge' }),
      );
    throw this.refusal('charge', res);
  }

  async getCharge(chargeId: string): Promise<ProviderCharge | null> {
    const res = await this.call(
      { method: 'GET', path: `/v1/charges/${encodeURIComponent(chargeId)}` },
      { mutates: false },
    );
    if (res.status === 200)
      return providerCharge(
        expectAnswer(chargeAnswer, res, { upstream: 'sandbox provider', call: 'getCharge' }),
      );
    if (res.status === 404) return null;
    throw this.refusal('getCharge', res);
  }

  async refund(request: RefundRequest): Promise<ProviderRefund> {
    const res = await this.call(
      {
        method: 'POST',
        path: '/v1/refunds',
        idempotencyKey: request.idempotencyKey,
        body: {
          charge: request.chargeId,
          amount: request.amount,
          ...(request.reason === undefined ? {} : { reason: request.reason }),
        },
      },
      { mutates: true },
    );
    if (res.status === 201 || res.status === 200) {
      const refund = expectAnswer(refundAnswer, res, { upstream: 'sandbox provider', call: 'refund' });
      return {
        id: refund.id,
        chargeId: refund.charge,
        amount: refund.amount,
        createdAt: new Date(refund.createdAt),
      };
    }
    throw this.refusal('refund', res);
  }

  async listCharges(range: { from: Date; to: Date; cursor?: string; limit?: number }): Promise<ChargePage> {
    const query = new URLSearchParams({
      createdFrom: range.from.toISOString(),
      createdTo: range.to.toISOString(),
    });
    if (range.limit !== undefined) query.set('limit', String(range.limit));
    if (range.cursor !== undefined) query.set('cursor', range.cursor);
    const res = await this.call({ method: 'GET', path: `/v1/charges?${query}` }, { mutates: false });
    if (res.status !== 200) throw this.refusal('listCharges', res);
    const page = expectAnswer(pageAnswer, res, { upstream: 'sandbox provider', call: 'listCharges' });
    return {
      charges: page.data.map(providerCharge),
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    };
  }

  verifyWebhook(rawBody: string, signatureHeader: string | undefined, now = new Date()): ProviderEvent {
    verifySandboxSignature(rawBody, signatureHeader, this.webhookSecret, {
      now,
      toleranceSeconds: this.toleranceSeconds,
    });
    return parseSandboxEvent(rawBody);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async call(req: ServiceRequest, { mutates }: { mutates: boolean }): Promise<ServiceResponse> {
    try {
      return await this.http.request({ ...req, headers: { ...this.headers, ...req.headers } });
    } catch (error) {
      throw this.failure(req, error, mutates);
    }
  }

  /** ServiceClient's failure, told apart by its reason: did the call certainly have no effect? */
  private failure(req: ServiceRequest, error: unknown, mutates: boolean): Error {
    const upstream = isUpstreamFailure(error) ? error : undefined;
    const what = `${req.method} ${req.path.split('?')[0]}`;
    const why = error instanceof Error ? error.message : String(error);
    if (upstream?.reason === 'breaker_open') {
      return new ProviderUnavailableError(
        `The sandbox provider is failing and its circuit is open; ${what} was not sent. Retry later.`,
        Math.max(1, Math.ceil(this.halfOpenAfterMs / 1000)),
      );
    }
    // The sandbox answers 503 before doing any work (its injected failures, its own shutdown).
    const noEffect =
      upstream !== undefined &&
      (upstream.notSent || (upstream.reason === 'upstream_5xx' && upstream.upstreamStatus === 503));
    if (!mutates || noEffect) {
      return new ProviderUnavailableError(
        `The sandbox provider did not take ${what} (${why}); retry with the same key.`,
        1,
      );
    }
    return new ProviderOutcomeUnknownError(
      `The sandbox provider's answer to ${what} never came (${why}): it may have taken effect. ` +
        'Retry with the same idempotency key, or read the charge, to learn the outcome.',
      { cause: error },
    );
  }

  /** A 4xx answer (ServiceClient throws on 5xx): the port's typed refusal, or a bug worth its own message. */
  private refusal(call: string, res: ServiceResponse): Error {
    const problem = problemAnswer.Check(res.body) ? res.body : undefined;
    const detail = problem?.detail ?? `answered ${res.status}`;
    if (res.status === 401) {
      return new Error(
        `The sandbox provider refused the API key on ${call} (401): set the payment service's sandbox API key ` +
          "to the sandbox's SANDBOX_API_KEY.",
      );
    }
    if (problem?.code === 'IDEMPOTENCY_ERR_IN_FLIGHT') {
      // The first attempt with this key is still running at the provider: its outcome is not known yet.
      return new ProviderOutcomeUnknownError(
        `The sandbox provider is still working on an earlier ${call} with this idempotency key; ask again shortly.`,
      );
    }
    const code = problem === undefined ? undefined : REFUSALS[problem.code];
    if (code !== undefined) return new ProviderRequestRefusedError(detail, code, res.status);
    return new Error(
      `The sandbox provider answered ${call} with ${res.status}${problem ? ` ${problem.code}` : ''}, which the ` +
        'payment service does not expect; check that both run matching versions.',
    );
  }
}

export interface SignatureCheckOptions {
  /** Default: the current time. */
  now?: Date;
  /** Default 300 s. */
  toleranceSeconds?: number;
}

/**
 * Checks a `Sandbox-Signature: t=<unix s>,v1=<hex>[,v1=<hex>...]` header over the raw body as Stripe does:
 * HMAC-SHA256(secret, "<t>.<body>"), compared in constant time with each v1 (several during a secret's
 * rotation), and `t` within the tolerance of now (either way, so an old capture cannot be replayed).
 * Throws ProviderWebhookRejectedError saying which check failed.
 */
export function verifySandboxSignature(
  rawBody: string,
  header: string | undefined,
  secret: string,
  options: SignatureCheckOptions = {},
): void {
  if (header === undefined || header === '') {
    throw new ProviderWebhookRejectedError('The webhook has no Sandbox-Signature header.');
  }
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (at < 1) throw new ProviderWebhookRejectedError('The Sandbox-Signature header is malformed.');
    if (name === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) {
        throw new ProviderWebhookRejectedError('The Sandbox-Signature header has no single valid timestamp.');
      }
      timestamp = Number(value);
    } else if (name === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) {
        throw new ProviderWebhookRejectedError('The Sandbox-Signature header has a malformed v1 signature.');
      }
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, a future v2) are ignored, as Stripe's libraries do.
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new ProviderWebhookRejectedError('The Sandbox-Signature header needs t= and at least one v1=.');
  }
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new ProviderWebhookRejectedError(
      `The webhook's timestamp is outside the ${toleranceSeconds} s tolerance: stale, replayed or a clock off.`,
    );
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  // Every candidate is compared, so the time taken does not tell which one (if any) matched.
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
  if (!matched) throw new ProviderWebhookRejectedError('No v1 signature of the webhook matches its body.');
}

/** The header the sandbox sends for `rawBody` at `timestamp` (unix seconds): for tests and stand-ins. */
export function signSandboxPayload(rawBody: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** A verified webhook body as the port's event; a body that is no sandbox event is rejected. */
export function parseSandboxEvent(rawBody: string): ProviderEvent {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new ProviderWebhookRejectedError('The webhook body is not JSON.');
  }
  if (!eventBody.Check(body)) {
    throw new ProviderWebhookRejectedError('The webhook body is not a sandbox event.');
  }
  return {
    id: body.id,
    type: body.type,
    createdAt: new Date(body.created * 1000),
    charge: providerCharge(body.data.object),
  };
}

function providerCharge(charge: SandboxCharge): ProviderCharge {
  return {
    id: charge.id,
    status: charge.status,
    ...(charge.failureCode === undefined ? {} : { failureCode: charge.failureCode }),
    amount: charge.amount,
    currency: charge.currency,
    amountRefunded: charge.amountRefunded,
    paymentMethod: charge.paymentMethod,
    reference: charge.reference,
    createdAt: new Date(charge.createdAt),
  };
}
