import { basename, join, resolve } from 'node:path';
import pg from 'pg';
import { migrate } from '../migrate/migrate.ts';
import { prismaDiffSql } from '../prisma-cli/prisma-cli.ts';
import { diffCatalogs, formatDifferences, type CatalogDifference } from './catalog-diff.ts';
import { readCatalog, type Catalog } from './catalog.ts';

/** A fresh, empty database that is dropped afterwards; `createTestDatabase` of @shop/testing fits. */
export interface ThrowawayDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export type CreateDatabase = (label: string) => Promise<ThrowawayDatabase>;

export interface SchemaCheckOptions {
  /** The app folder holding prisma/schema.prisma and prisma/migrations. */
  appDir: string;
  createDatabase: CreateDatabase;
  /** Defaults to `<appDir>/prisma/schema.prisma`. */
  schemaPath?: string;
  /** Defaults to `<appDir>/prisma/migrations`. */
  migrationsDir?: string;
}

export interface SchemaCheckResult {
  /** left = what the migrations produce, right = what schema.prisma describes. */
  readonly differences: readonly CatalogDifference[];
  /** Objects compared (tables, columns, indexes ...), so a caller can see the check was not vacuous. */
  readonly comparedObjects: number;
  /** Readable description of the differences; empty when there are none. */
  readonly report: string;
}

export class MigrationsDriftError extends Error {
  readonly code = 'DATABASE_ERR_MIGRATIONS_DRIFT';
  readonly differences: readonly CatalogDifference[];

  constructor(message: string, differences: readonly CatalogDifference[]) {
    super(message);
    this.name = 'MigrationsDriftError';
    this.differences = differences;
  }
}

const LABELS = { left: 'migrations', right: 'schema.prisma' };

/**
 * Builds two fresh databases, one by applying the migrations with our runner and one by applying the SQL
 * Prisma renders for schema.prisma from nothing, and compares their catalogs object by object.
 */
export async function compareMigrationsWithSchema(options: SchemaCheckOptions): Promise<SchemaCheckResult> {
  const paths = resolvePaths(options);
  const [fromMigrations, fromSchema] = await Promise.all([
    withDatabase(options.createDatabase, 'migrations', (url) =>
      catalogFromMigrations(url, paths.migrationsDir),
    ),
    withDatabase(options.createDatabase, 'schema', (url) => catalogFromDatamodel(url, paths.schemaPath)),
  ]);
  const differences = diffCatalogs(fromMigrations, fromSchema);
  return {
    differences,
    comparedObjects: new Set([...fromMigrations.keys(), ...fromSchema.keys()]).size,
    report: formatDifferences(differences, LABELS),
  };
}

/**
 * Proves that an app's migrations folder produces exactly the schema its schema.prisma describes; throws
 * MigrationsDriftError listing every difference otherwise. Meant for each app's test suite.
 */
export async function assertMigrationsMatchSchema(
  options: SchemaCheckOptions,
): Promise<{ comparedObjects: number }> {
  const result = await compareMigrationsWithSchema(options);
  if (result.differences.length > 0) {
    const { schemaPath, migrationsDir, app } = resolvePaths(options);
    throw new MigrationsDriftError(
      `The migrations in ${migrationsDir} do not produce the schema ${schemaPath} describes ` +
        `(${result.differences.length} difference(s); "-" only from the migrations, "+" only from schema.prisma):\n` +
        `${result.report}\n` +
        `If schema.prisma changed, generate the migration: npm run db:migration -- ${app} <name>. ` +
        'If a migration was edited by hand, make schema.prisma describe the same change.',
      result.differences,
    );
  }
  return { comparedObjects: result.comparedObjects };
}

/** One schema of an existing database, e.g. shard `orders_s07` on server b. */
export interface LiveSchema {
  readonly databaseUrl: string;
  readonly schema: string;
}

/**
 * Compares schemas of existing, migrated databases (every shard of a sharded service, each on its
 * server) with what schema.prisma describes, object by object; schema.prisma is rendered once into a
 * throwaway database. One result per schema, in order: left = the live schema, right = schema.prisma.
 */
export async function compareSchemasWithDatamodel(options: {
  schemas: readonly LiveSchema[];
  schemaPath: string;
  createDatabase: CreateDatabase;
}): Promise<(SchemaCheckResult & LiveSchema)[]> {
  const fromSchema = await withDatabase(options.createDatabase, 'schema', (url) =>
    catalogFromDatamodel(url, resolve(options.schemaPath)),
  );
  const results: (SchemaCheckResult & LiveSchema)[] = [];
  for (const target of options.schemas) {
    const live = await readCatalog(target.databaseUrl, target.schema);
    const differences = diffCatalogs(live, fromSchema);
    results.push({
      ...target,
      differences,
      comparedObjects: new Set([...live.keys(), ...fromSchema.keys()]).size,
      report: formatDifferences(differences, { left: target.schema, right: 'schema.prisma' }),
    });
  }
  return results;
}

/** The catalog a migrations folder produces in a fresh database (schema public). */
export async function catalogFromMigrations(databaseUrl: string, migrationsDir: string): Promise<Catalog> {
  await migrate({ databaseUrl, migrationsDir, schema: 'public' });
  return readCatalog(databaseUrl, 'public');
}

/** The catalog Prisma's own from-empty SQL for a schema.prisma produces in a fresh database. */
export async function catalogFromDatamodel(databaseUrl: string, schemaPath: string): Promise<Catalog> {
  const sql = await prismaDiffSql({ from: 'empty', schemaPath, databaseUrl });
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
  return readCatalog(databaseUrl, 'public');
}

/** Runs `work` against a fresh database and drops it afterwards, whatever happens. */
export async function withDatabase<T>(
  createDatabase: CreateDatabase,
  label: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const database = await createDatabase(label);
  try {
    return await work(database.url);
  } finally {
    await database.drop().catch(() => undefined);
  }
}

function resolvePaths(options: SchemaCheckOptions): {
  schemaPath: string;
  migrationsDir: string;
  app: string;
} {
  const appDir = resolve(options.appDir);
  return {
    schemaPath: resolve(options.schemaPath ?? join(appDir, 'prisma', 'schema.prisma')),
    migrationsDir: resolve(options.migrationsDir ?? join(appDir, 'prisma', 'migrations')),
    app: basename(appDir),
  };
}
