export {
  migrate,
  type AppliedMigration,
  type MigrateOptions,
  type MigrateResult,
  type MigrationLogger,
} from './migrate/migrate.ts';
export {
  InvalidSchemaNameError,
  MigrationChecksumMismatchError,
  MigrationError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  MigrationsFolderError,
  UnfinishedMigrationError,
} from './migrate/migrate.errors.ts';
export { readMigrationsFolder, type MigrationFile } from './migrate/migrations-folder.ts';
export {
  createPrismaClient,
  type PrismaClientClass,
  type PrismaClientSettings,
} from './client/prisma-client.ts';
export {
  createTransactions,
  type RawSql,
  type TransactionalClient,
  type Transactions,
  type UnitOfWork,
  type UnitOfWorkBase,
  type UnitOfWorkOptions,
} from './client/unit-of-work.ts';
export { exposePoolMetrics } from './client/pool.metrics.ts';
export { sqlStateOf } from './client/sql-state.ts';
export { databaseEnv, databaseSettingsFrom, type DatabaseEnv } from './database-env.ts';
export { generatorOutputs, listPrismaApps, type PrismaApp } from './prisma-cli/prisma-apps.ts';
export { definePrismaCliConfig, type PrismaCliConfigOptions } from './prisma-cli/prisma-cli-config.ts';
export {
  prismaDiffSql,
  prismaGenerate,
  type PrismaGenerateOptions,
  type PrismaDiffOptions,
} from './prisma-cli/prisma-cli.ts';
export {
  assertMigrationsMatchSchema,
  compareMigrationsWithSchema,
  compareSchemasWithDatamodel,
  MigrationsDriftError,
  type CreateDatabase,
  type LiveSchema,
  type SchemaCheckOptions,
  type SchemaCheckResult,
  type ThrowawayDatabase,
} from './schema-check/migrations-match-schema.ts';
export type { CatalogDifference } from './schema-check/catalog-diff.ts';
export {
  createMigration,
  SCHEMA_SNAPSHOT,
  type CreateMigrationOptions,
  type CreateMigrationResult,
} from './new-migration/create-migration.ts';
