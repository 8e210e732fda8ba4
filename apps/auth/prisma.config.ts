import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// Prisma's JS engine keeps `generate` and `migrate diff` offline (no native engine download); migrations
// are applied by @shop/database's runner. See libs/database/README.md.
export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join(import.meta.dirname, 'prisma', 'schema.prisma'),
  adapter: async () =>
    new PrismaPg({ connectionString: process.env['AUTH_DATABASE_URL'] ?? 'postgresql://127.0.0.1:5432/auth' }),
});
