import { join } from 'node:path';
import { definePrismaCliConfig } from '@shop/database';

// Keeps the Prisma CLI offline (JS schema engine); migrations are applied by @shop/database's runner.
export default definePrismaCliConfig({
  schema: join(import.meta.dirname, 'prisma', 'schema.prisma'),
  databaseUrl: process.env['PAYMENT_DATABASE_URL'],
  databaseUrlVariable: 'PAYMENT_DATABASE_URL',
});
