import { createPrismaClient } from '@shop/database';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PrismaClient } from '../generated/prisma/client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
  }
}

/** The Product DB client (Prisma's Rust-free client over node-postgres); closed on shutdown. */
export const prismaPlugin = fp(
  async (app: FastifyInstance, opts: { databaseUrl: string; poolSize: number; connectTimeoutMs: number }) => {
    const prisma = createPrismaClient(PrismaClient, {
      databaseUrl: opts.databaseUrl,
      poolSize: opts.poolSize,
      connectionTimeoutMs: opts.connectTimeoutMs,
      applicationName: 'product',
      onPoolError: (err) => app.log.error({ err }, 'postgres pool error'),
    });
    await prisma.$connect();
    app.decorate('prisma', prisma);
    app.readiness.addCheck('postgres', () => prisma.$queryRaw`SELECT 1`);
    app.addHook('onClose', () => prisma.$disconnect());
  },
  { name: 'prisma', dependencies: ['platform-health'] },
);
