import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
// The platform kit declares `app.readiness`; this plugin registers its check there.
import type {} from '@shop/platform';
import { withDatabaseErrors } from './database-errors.ts';
import { createPrismaClient, type PrismaClientClass } from './prisma-client.ts';

/** What the plugin needs of a generated client: every Prisma client has these. */
interface PrismaLifecycle {
  $connect(): Promise<void>;
  $disconnect(): Promise<void>;
  $queryRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<unknown>;
}

export interface PrismaPluginOptions {
  databaseUrl: string;
  poolSize: number;
  /** Give up waiting for a pooled connection after this long (default 5 s), so overload fails fast. */
  connectTimeoutMs?: number;
}

/**
 * A Fastify plugin that opens a service's database through its generated Prisma client (Rust-free, over
 * node-postgres), decorates the app with it as `app.prisma`, makes `/ready` depend on a `SELECT 1` and
 * disconnects on close. Every query's overload (pool exhausted, connect timeout) answers 503 with Retry-After
 * and every data exception (SQLSTATE 22xxx) 400, through {@link withDatabaseErrors}. Each service declares
 * `app.prisma`'s type for its own client:
 *
 *   declare module 'fastify' { interface FastifyInstance { prisma: PrismaClient } }
 *   await app.register(prismaPlugin(PrismaClient, 'auth'), { databaseUrl, poolSize });
 */
export function prismaPlugin<Class extends PrismaClientClass>(PrismaClient: Class, applicationName: string) {
  return fp(
    async (app: FastifyInstance, opts: PrismaPluginOptions) => {
      const prisma = withDatabaseErrors(
        createPrismaClient(PrismaClient, {
          databaseUrl: opts.databaseUrl,
          poolSize: opts.poolSize,
          ...(opts.connectTimeoutMs === undefined ? {} : { connectionTimeoutMs: opts.connectTimeoutMs }),
          applicationName,
          onPoolError: (err) => app.log.error({ err }, 'postgres pool error'),
          ...(app.hasDecorator('metrics') ? { registry: app.metrics } : {}),
        }) as InstanceType<Class> & PrismaLifecycle,
      );
      await prisma.$connect();
      // `app.prisma` is typed by each service for its own client class, which this generic code cannot name.
      app.decorate('prisma', prisma as never);
      app.readiness.addCheck('postgres', async () => prisma.$queryRaw`SELECT 1`);
      app.addHook('onClose', () => prisma.$disconnect());
    },
    { name: 'prisma', dependencies: ['platform-health'] },
  );
}
