import { DEV_SANDBOX_API_KEY, DEV_SANDBOX_WEBHOOK_SECRET } from '@shop/contracts';
import { databaseEnv } from '@shop/database';
import { ConfigError, loadConfig, platformEnv, requiredInProduction, Secret } from '@shop/platform';
import { Type, type Static } from 'typebox';

export const PaymentSandboxEnvSchema = Type.Object({
  ...platformEnv,
  /** The API's port; the operational listener (metrics, the full OpenAPI document) is OPS_PORT. */
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3005 }),
  ...databaseEnv('PAYMENT_SANDBOX'),

  /**
   * The secret API key callers send as `Authorization: Bearer <key>`. Required in production (and never the
   * published development value); elsewhere that value, which the payment service also defaults to.
   */
  SANDBOX_API_KEY: Type.Optional(Secret(Type.String({ minLength: 24, pattern: '^[\\x21-\\x7e]+$' }))),
  /** Where webhooks are POSTed (e.g. the payment service's webhook route); unset: no webhooks at all. */
  SANDBOX_WEBHOOK_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The HMAC-SHA256 key webhooks are signed with. Required in production when SANDBOX_WEBHOOK_URL is set. */
  SANDBOX_WEBHOOK_SECRET: Type.Optional(Secret(Type.String({ minLength: 24 }))),
  /** Attempts per webhook before it is marked failed. */
  SANDBOX_WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
  /** Wait before the first redelivery; doubled per attempt, at most an hour. */
  SANDBOX_WEBHOOK_RETRY_BASE_MS: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 1_000 }),
  /** How long one delivery may take before it counts as failed. */
  SANDBOX_WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5_000 }),
  /** How often due settlements and webhooks are looked for. */
  SANDBOX_WORKER_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 250 }),

  /** `pm_card_timeout`: the charge succeeds at once, the answer comes only after this (past a caller's timeout). */
  SANDBOX_TIMEOUT_DELAY_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 10_000 }),
  /** `pm_card_processing`: how long the charge stays processing before it settles to succeeded. */
  SANDBOX_PROCESSING_DELAY_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2_000 }),
  /** Fault setting: added to every API answer, for load and timeout tests. */
  SANDBOX_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 0 }),
  /** Fault setting: this fraction of POSTs answers 503 before doing anything. */
  SANDBOX_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
});

export type PaymentSandboxConfig = Static<typeof PaymentSandboxEnvSchema> & {
  SANDBOX_API_KEY: string;
  SANDBOX_WEBHOOK_SECRET: string;
};

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Production must name its own API key, and its own webhook secret when it sends webhooks.
 */
export function loadPaymentSandboxConfig(env?: Record<string, string | undefined>): PaymentSandboxConfig {
  const config = loadConfig(PaymentSandboxEnvSchema, env);
  const problems = requiredInProduction(config, {
    SANDBOX_API_KEY: {
      hint: 'at least 24 printable characters, the payment service sends it as its sandbox API key',
      refused: [DEV_SANDBOX_API_KEY],
    },
    SANDBOX_WEBHOOK_SECRET: {
      hint: 'at least 24 characters, the payment service verifies webhooks with it',
      satisfied: config.SANDBOX_WEBHOOK_URL === undefined || config.SANDBOX_WEBHOOK_SECRET !== undefined,
      refused: [DEV_SANDBOX_WEBHOOK_SECRET],
    },
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...config,
    SANDBOX_API_KEY: config.SANDBOX_API_KEY ?? DEV_SANDBOX_API_KEY,
    SANDBOX_WEBHOOK_SECRET: config.SANDBOX_WEBHOOK_SECRET ?? DEV_SANDBOX_WEBHOOK_SECRET,
  };
}
