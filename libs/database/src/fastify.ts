export { prismaPlugin, type PrismaPluginOptions } from './client/prisma.plugin.ts';
export {
  DatabaseErrors,
  toDatabaseAppError,
  withDatabaseErrors,
  type DatabaseErrorOptions,
} from './client/database-errors.ts';
