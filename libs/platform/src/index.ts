export { ConfigError, loadConfig, Secret } from './config/load-config.ts';
export { jwtVerifyEnv, jwtVerifyEnvProblems, platformEnv } from './config/platform-env.ts';
export {
  DEV_AUTH_TOKEN_URL,
  devServiceClientSecret,
  serviceClientEnv,
  serviceClientEnvProblems,
  serviceCredentialsFrom,
} from './config/service-client-env.ts';
export { requiredInProduction, type ProductionRequirement } from './config/required-in-production.ts';
export { AppError, defineError, PlatformErrors } from './errors/app-error.ts';
export {
  PROBLEM_MEDIA_TYPE,
  problemResponses,
  ProblemSchema,
  type Problem,
  type ProblemResponse,
} from './errors/problem.schemas.ts';
export {
  Int4,
  INT4_MAX,
  INT4_MIN,
  STORABLE_TEXT_PATTERN,
  StoredText,
  StrictRecord,
  Uuid,
} from './schemas/column.schemas.ts';
export { errorHandlerPlugin } from './errors/error-handler.ts';
export {
  healthPlugin,
  type HealthOptions,
  type Readiness,
  type ReadinessCheck,
} from './health/health.plugin.ts';
export { metricsPlugin } from './metrics/metrics.plugin.ts';
export { loggerOptions } from './logging/logger.ts';
export { redactSecrets } from './logging/redact-secrets.ts';
export {
  ACCESS_TOKEN_ALGORITHMS,
  ACCESS_TOKEN_TYPE,
  jwtAuthPlugin,
  remoteJwks,
  type Caller,
  type JwtAuthOptions,
  type RemoteJwksOptions,
  type Role,
  type ServiceCaller,
} from './auth/jwt-auth.plugin.ts';
export {
  isUpstreamFailure,
  ServiceClient,
  UpstreamFailureError,
  type UpstreamFailureReason,
  type ServiceClientOptions,
  type ServiceRequest,
  type ServiceResponse,
} from './http-client/service-client.ts';
export { expectAnswer } from './http-client/expect-answer.ts';
export {
  ServiceTokenSource,
  type BearerTokens,
  type ServiceTokenSourceOptions,
} from './http-client/service-tokens.ts';
export { currentRequestId, runWithRequestId } from './http-client/request-context.ts';
export { clientKey } from './http/client-key.ts';
export { buildService, type Service, type ServiceSettings } from './service/build-service.ts';
export { runService, runSettingsFrom, type RunSettings } from './service/run-service.ts';
export { registerPeriodicTask, type PeriodicTaskOptions } from './service/periodic-task.ts';
