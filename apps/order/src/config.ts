import { databaseEnv } from '@shop/database';
import { ConfigError, jwtVerifyEnv, jwtVerifyEnvProblems, loadConfig, platformEnv } from '@shop/platform';
import { Type, type Static } from 'typebox';

export const OrderEnvSchema = Type.Object({
  ...platformEnv,
  ...jwtVerifyEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3003 }),
  ...databaseEnv('ORDER'),
});

export type OrderConfig = Static<typeof OrderEnvSchema>;

/**
 * Validates the environment once, at start-up: a bad or missing variable stops the start with its name.
 * Settings production must not leave to a default go through requiredInProduction (@shop/platform).
 */
export function loadOrderConfig(env?: Record<string, string | undefined>): OrderConfig {
  const config = loadConfig(OrderEnvSchema, env);
  const problems = jwtVerifyEnvProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
