import { databaseEnv } from '@shop/database';
import { ConfigError, jwtVerifyEnv, jwtVerifyEnvProblems, loadConfig, platformEnv } from '@shop/platform';
import { Type, type Static } from 'typebox';

export const PaymentEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3004 }),
  ...databaseEnv('PAYMENT'),
});

export type PaymentConfig = Static<typeof PaymentEnvSchema>;

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Settings production must not leave to a default go through requiredInProduction (@shop/platform).
 */
export function loadPaymentConfig(env?: Record<string, string | undefined>): PaymentConfig {
  const config = loadConfig(PaymentEnvSchema, env);
  const problems = jwtVerifyEnvProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
