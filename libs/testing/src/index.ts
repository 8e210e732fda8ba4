export { createTestDatabase, getPostgres } from './postgres.ts';
export type { PostgresServer, TestDatabase } from './postgres.ts';
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
export { createTestCertificates, type TestCertificates } from './certificates.ts';
