import { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaConfig } from 'prisma/config';

export interface PrismaCliConfigOptions {
  /** schema.prisma, relative to the config file's folder or absolute; `--schema` on the command line wins. */
  schema?: string;
  /**
   * Any reachable PostgreSQL database. Prisma 6's JS schema engine connects even for `migrate diff` between
   * two schema files (it only reads from it); `generate` never connects.
   */
  databaseUrl: string | undefined;
  /** Name of the variable `databaseUrl` came from, for the error message when it is missing. */
  databaseUrlVariable?: string;
}

/**
 * A `prisma.config.ts` that keeps the Prisma 6 CLI offline: the JS schema engine (`engine: 'js'`) on
 * `@prisma/adapter-pg` instead of the native engine the CLI would otherwise download.
 */
export function definePrismaCliConfig(options: PrismaCliConfigOptions): PrismaConfig {
  // A plain object rather than defineConfig(): Prisma accepts both, and importing prisma/config at runtime
  // would add half a second to every process that imports @shop/database.
  return {
    engine: 'js',
    experimental: { adapter: true },
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    adapter: async () => {
      if (options.databaseUrl === undefined || options.databaseUrl === '') {
        throw new Error(
          `This Prisma command needs a PostgreSQL connection: set ${options.databaseUrlVariable ?? 'the database URL'} ` +
            'to any reachable database (it is only read), or run it through npm run db:migration.',
        );
      }
      // allowExitOnIdle: otherwise the idle pool keeps the CLI process alive for seconds after it is done.
      return new PrismaPg({ connectionString: options.databaseUrl, max: 2, allowExitOnIdle: true });
    },
  };
}
