import { prismaPlugin as databasePlugin } from '@shop/database/fastify';
import { PrismaClient } from '../generated/prisma/client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
  }
}

/** The Payment DB as `app.prisma`: Prisma's Rust-free client over node-postgres, in /ready, closed on shutdown. */
export const prismaPlugin = databasePlugin(PrismaClient, 'payment');
