export { prismaPlugin, type PrismaPluginOptions } from './client/prisma.plugin.ts';
export { DatabaseErrors, toDatabaseAppError, withDatabaseErrors } from './client/database-errors.ts';
