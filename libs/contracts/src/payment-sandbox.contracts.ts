import Type, { type Static } from 'typebox';
import { CurrencyCodeSchema } from './money.schemas.ts';

// The sandbox card processor's HTTP API (apps/payment-sandbox), which the payment service's adapter calls:
// the producer's answer schemas and the client's checks are these same schemas, so the two cannot drift.

/** The test payment methods and what each does (see apps/payment-sandbox/README.md). */
export const SANDBOX_TEST_PAYMENT_METHODS = [
  'pm_card_visa',
  'pm_card_declined',
  'pm_card_insufficient_funds',
  'pm_card_timeout',
  'pm_card_processing',
] as const;
export type SandboxTestPaymentMethod = (typeof SANDBOX_TEST_PAYMENT_METHODS)[number];

/** The header a webhook's signature travels in: `t=<unix seconds>,v1=<hex HMAC-SHA256>` as Stripe signs. */
export const SANDBOX_SIGNATURE_HEADER = 'sandbox-signature';

/**
 * Development values of the sandbox's API key and webhook secret, so the embedded start needs no setup.
 * Published on purpose: both sides refuse them in production.
 */
export const DEV_SANDBOX_API_KEY = 'sk_test_dev_sandbox_key_not_for_production_use';
export const DEV_SANDBOX_WEBHOOK_SECRET = 'whsec_dev_sandbox_secret_not_for_production_use';

/** The largest charge the sandbox takes, in minor units (under a PostgreSQL integer's bound). */
export const SANDBOX_MAX_AMOUNT = 99_999_999;

const Instant = Type.String({ format: 'date-time' });

export const SandboxChargeStatusSchema = Type.Union([
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('processing'),
]);

export const SandboxFailureCodeSchema = Type.Union([
  Type.Literal('card_declined'),
  Type.Literal('insufficient_funds'),
]);

export const SandboxChargeSchema = Type.Object({
  id: Type.String({ pattern: '^ch_[A-Za-z0-9]+$' }),
  status: SandboxChargeStatusSchema,
  failureCode: Type.Optional(SandboxFailureCodeSchema),
  amount: Type.Integer({ minimum: 1, maximum: SANDBOX_MAX_AMOUNT }),
  currency: CurrencyCodeSchema,
  amountRefunded: Type.Integer({ minimum: 0, maximum: SANDBOX_MAX_AMOUNT }),
  paymentMethod: Type.String({ pattern: '^pm_[A-Za-z0-9_]+$' }),
  reference: Type.String(),
  description: Type.Optional(Type.String()),
  createdAt: Instant,
});
export type SandboxCharge = Static<typeof SandboxChargeSchema>;

export const SandboxRefundSchema = Type.Object({
  id: Type.String({ pattern: '^re_[A-Za-z0-9]+$' }),
  charge: Type.String({ pattern: '^ch_[A-Za-z0-9]+$' }),
  amount: Type.Integer({ minimum: 1, maximum: SANDBOX_MAX_AMOUNT }),
  status: Type.Literal('succeeded'),
  reason: Type.Optional(Type.String()),
  createdAt: Instant,
});
export type SandboxRefund = Static<typeof SandboxRefundSchema>;

export const SandboxChargePageSchema = Type.Object({
  data: Type.Array(SandboxChargeSchema),
  hasMore: Type.Boolean(),
  /** Absent on the last page. */
  nextCursor: Type.Optional(Type.String()),
});
export type SandboxChargePage = Static<typeof SandboxChargePageSchema>;

export const SandboxEventTypeSchema = Type.Union([
  Type.Literal('charge.succeeded'),
  Type.Literal('charge.failed'),
  Type.Literal('charge.refunded'),
]);

/** A webhook's body: the charge as it was when the event happened. */
export const SandboxEventSchema = Type.Object({
  id: Type.String({ pattern: '^evt_[A-Za-z0-9]+$' }),
  type: SandboxEventTypeSchema,
  /** Unix seconds. */
  created: Type.Integer({ minimum: 0 }),
  data: Type.Object({ object: SandboxChargeSchema }),
});
export type SandboxEvent = Static<typeof SandboxEventSchema>;
