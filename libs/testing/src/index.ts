export { createTestDatabase, getPostgres, startPostgresServer } from './postgres.ts';
export type { LocalPostgresServer, PostgresServer, PostgresServerOptions, TestDatabase } from './postgres.ts';
export { loadEmbeddedPostgres, postgresDataDirectory } from './embedded-postgres.ts';
export { stopAllServers } from './lifecycle.ts';
export { getRedis, startRedisServer, uniqueKeyPrefix } from './redis.ts';
export type { LocalRedisServer, RedisEndpoint } from './redis.ts';
export { startRedisCluster, type LocalRedisCluster } from './redis-cluster.ts';
export { KAFKA_VERSION, createTestTopic, getKafka, startKafkaBroker, uniqueTopicName } from './kafka.ts';
export type {
  KafkaBrokerOptions,
  KafkaBrokerSecurity,
  KafkaEndpoint,
  LocalKafkaBroker,
  TestTopicOptions,
} from './kafka.ts';
export {
  JAEGER_VERSION,
  ensureJaegerBinary,
  fetchJaegerTrace,
  getJaeger,
  jaegerBinaryPath,
  startJaeger,
  waitForJaegerTrace,
  type JaegerEndpoint,
  type JaegerSpan,
  type LocalJaeger,
} from './jaeger.ts';
export { createTestCertificates, type TestCertificates } from './certificates.ts';
export { eventually, type EventuallyOptions } from './eventually.ts';
export { TestClock } from './test-clock.ts';
export {
  createTestSigningKey,
  startTestAuth,
  startTestJwks,
  testClientSecret,
  type TestAuth,
  type TestJwksServer,
  type TestSigningKey,
  type TestTokenOptions,
} from './test-tokens.ts';
export {
  startServiceUnderTest,
  type ServiceUnderTest,
  type ServiceUnderTestOptions,
  type TestableService,
} from './service-under-test.ts';
export { testMigrationsMatchSchema, type CompareMigrationsWithSchema } from './migrations-match-schema.ts';
export { startAppProcess, type AppProcess, type AppProcessOptions } from './app-process.ts';
export { recordingLogger, type LogEntry, type RecordingLogger } from './recording-logger.ts';
export {
  inPgTransaction,
  pgStatements,
  type PgTransaction,
  type PgTransactionOptions,
} from './pg-transaction.ts';
export { findFreePort, findFreePorts } from './free-port.ts';
export { testTableFixture, type TableFixtureOptions } from './table-fixture.ts';
export { ensureGoBinary, findGo, type CachedGoBinary, type GoBuildReporter } from './go-build.ts';
export { loopbackUp, runIsolated } from './isolated-run.ts';
