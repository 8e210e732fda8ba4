import { databaseEnv } from '@shop/database';
import { ConfigError, jwtVerifyEnv, jwtVerifyEnvProblems, loadConfig, platformEnv } from '@shop/platform';
import { Type, type Static } from 'typebox';

export const PaymentSandboxEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3005 }),
  ...databaseEnv('PAYMENT_SANDBOX'),
});

export type PaymentSandboxConfig = Static<typeof PaymentSandboxEnvSchema>;

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Settings production must not leave to a default go through requiredInProduction (@shop/platform).
 */
export function loadPaymentSandboxConfig(env?: Record<string, string | undefined>): PaymentSandboxConfig {
  const config = loadConfig(PaymentSandboxEnvSchema, env);
  const problems = jwtVerifyEnvProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
