export { createTestDatabase, getPostgres } from './postgres.ts';
export type { PostgresServer, TestDatabase } from './postgres.ts';
export { stopAllServers } from './lifecycle.ts';
