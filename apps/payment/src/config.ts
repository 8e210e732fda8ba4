import { DEV_SANDBOX_API_KEY, DEV_SANDBOX_WEBHOOK_SECRET } from '@shop/contracts';
import { databaseEnv } from '@shop/database';
import { kafkaEnv, kafkaEnvProblems } from '@shop/events';
import {
  ConfigError,
  jwtVerifyEnv,
  jwtVerifyEnvProblems,
  loadConfig,
  platformEnv,
  requiredInProduction,
  Secret,
  serviceClientEnv,
  serviceClientEnvProblems,
} from '@shop/platform';
import { Type, type Static } from 'typebox';

export const PaymentEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  /** The API's port; the operational listener (metrics, the full OpenAPI document) is OPS_PORT. */
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3004 }),
  ...databaseEnv('PAYMENT'),

  ...kafkaEnv,
  /** Off: this process writes events to the outbox and another one relays them. */
  OUTBOX_RELAY_ENABLED: Type.Boolean({ default: true }),
  /** Database of the stand-in bus, shared by every service of one run; defaults to the Payment DB. */
  EVENT_BUS_DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),

  /** Origin of the order service. Required in production; elsewhere the embedded start's http://127.0.0.1:3003. */
  ORDER_SERVICE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Per attempt of the order read. */
  ORDER_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2_000 }),
  /** The payment service's OAuth client: its service tokens for the order service come from auth. */
  ...serviceClientEnv('payment'),

  /** Origin of the card processor's API (the sandbox). Required in production; elsewhere http://127.0.0.1:3005. */
  PAYMENT_PROVIDER_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The processor's secret API key (the sandbox's SANDBOX_API_KEY). Required in production. */
  PAYMENT_PROVIDER_API_KEY: Type.Optional(Secret(Type.String({ minLength: 16 }))),
  /** The secret webhooks are signed with (the sandbox's SANDBOX_WEBHOOK_SECRET). Required in production. */
  PAYMENT_PROVIDER_WEBHOOK_SECRET: Type.Optional(Secret(Type.String({ minLength: 16 }))),
  /** Past this a charge is answered `processing` (outcome unknown) and left to the completer. */
  PAYMENT_PROVIDER_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 120_000, default: 5_000 }),
  /** Consecutive failures that open the provider's breaker, and seconds it stays open (503 + Retry-After). */
  PAYMENT_PROVIDER_BREAKER_FAILURES: Type.Integer({ minimum: 1, maximum: 1_000, default: 5 }),
  /** Seconds the open breaker answers 503 before a trial call. */
  PAYMENT_PROVIDER_BREAKER_OPEN_SECONDS: Type.Integer({ minimum: 1, maximum: 3_600, default: 10 }),

  /** How often the completer looks for payments and refunds left processing. */
  PAYMENT_COMPLETER_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 5_000 }),
  /** A payment is the completer's once unchanged this long: longer than the provider timeout. */
  PAYMENT_COMPLETER_AFTER_MS: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 30_000 }),
  /** How often the reconciliation compares the provider's charges with ours (0: never in the service). */
  PAYMENT_RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 600_000 }),
  /** The window each periodic reconciliation compares, ending a completer delay before now. */
  PAYMENT_RECONCILE_WINDOW_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 24 }),

  /** How long a payment's or refund's Idempotency-Key is remembered (the draft and Stripe: 24 h). */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 24 }),
  /**
   * How long one attempt holds its key before a retry may take it over (after a crash). Longer than the
   * slowest attempt: the order read with its retries plus the provider timeout.
   */
  IDEMPOTENCY_LOCK_TIMEOUT_MS: Type.Integer({ minimum: 1_000, maximum: 3_600_000, default: 60_000 }),
});

export type PaymentConfig = Static<typeof PaymentEnvSchema> & {
  ORDER_SERVICE_URL: string;
  PAYMENT_PROVIDER_URL: string;
  PAYMENT_PROVIDER_API_KEY: string;
  PAYMENT_PROVIDER_WEBHOOK_SECRET: string;
};

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Production must name Kafka, the order service, the payment client's secret and token URL, and the provider's URL, key and
 * webhook secret (never the published development values); elsewhere they default to the embedded start's.
 */
export function loadPaymentConfig(env?: Record<string, string | undefined>): PaymentConfig {
  const config = loadConfig(PaymentEnvSchema, env);
  const problems = [
    ...kafkaEnvProblems(config),
    ...jwtVerifyEnvProblems(config),
    ...serviceClientEnvProblems(config),
    ...requiredInProduction(config, {
      ORDER_SERVICE_URL: 'the order service origin, e.g. http://order:3003',
      PAYMENT_PROVIDER_URL: "the card processor's origin, e.g. http://payment-sandbox:3005",
      PAYMENT_PROVIDER_API_KEY: { hint: "the processor's secret API key", refused: [DEV_SANDBOX_API_KEY] },
      PAYMENT_PROVIDER_WEBHOOK_SECRET: {
        hint: 'the secret the processor signs webhooks with',
        refused: [DEV_SANDBOX_WEBHOOK_SECRET],
      },
      KAFKA_BROKERS: 'host:port,...',
    }),
  ];
  if (config.PAYMENT_COMPLETER_AFTER_MS <= config.PAYMENT_PROVIDER_TIMEOUT_MS)
    problems.push(
      `PAYMENT_COMPLETER_AFTER_MS (${config.PAYMENT_COMPLETER_AFTER_MS}) must be longer than PAYMENT_PROVIDER_TIMEOUT_MS ` +
        `(${config.PAYMENT_PROVIDER_TIMEOUT_MS}), so the completer never races a charge that is still being answered`,
    );
  if (config.IDEMPOTENCY_LOCK_TIMEOUT_MS <= config.PAYMENT_PROVIDER_TIMEOUT_MS + 3 * config.ORDER_TIMEOUT_MS)
    problems.push(
      `IDEMPOTENCY_LOCK_TIMEOUT_MS (${config.IDEMPOTENCY_LOCK_TIMEOUT_MS}) must be longer than an attempt can run: ` +
        'PAYMENT_PROVIDER_TIMEOUT_MS plus three ORDER_TIMEOUT_MS',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...config,
    ORDER_SERVICE_URL: config.ORDER_SERVICE_URL ?? 'http://127.0.0.1:3003',
    PAYMENT_PROVIDER_URL: config.PAYMENT_PROVIDER_URL ?? 'http://127.0.0.1:3005',
    PAYMENT_PROVIDER_API_KEY: config.PAYMENT_PROVIDER_API_KEY ?? DEV_SANDBOX_API_KEY,
    PAYMENT_PROVIDER_WEBHOOK_SECRET: config.PAYMENT_PROVIDER_WEBHOOK_SECRET ?? DEV_SANDBOX_WEBHOOK_SECRET,
  };
}
