import { definePrismaCliConfig } from './src/prisma-cli/prisma-cli-config.ts';

// The Prisma CLI config our tools pass with --config for apps without their own prisma.config.ts. The
// CLI loads this file itself, so the environment is the only way to hand it the connection.
export default definePrismaCliConfig({
  // The CLI reads the schema's generator settings from here to decide which engines it needs.
  // eslint-disable-next-line no-restricted-properties -- set by runPrismaCli for the child process
  schema: process.env.SHOP_PRISMA_SCHEMA,
  // eslint-disable-next-line no-restricted-properties -- set by runPrismaCli for the child process
  databaseUrl: process.env.SHOP_PRISMA_DATABASE_URL,
  databaseUrlVariable: 'SHOP_PRISMA_DATABASE_URL',
});
