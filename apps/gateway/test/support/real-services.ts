import path from 'node:path';
import { migrate } from '@shop/database';
import { createTestDatabase, startAppProcess, type AppProcess, type TestDatabase } from '@shop/testing';

// By path, not by import: an app never imports another app, tests included.
const APPS = path.resolve(import.meta.dirname, '..', '..', '..');
const migrations = (app: string) => path.join(APPS, app, 'prisma', 'migrations');

export const ADMIN = { email: 'admin@gateway.test', password: 'gateway-admin-password-1' };

export interface RealServices {
  auth: AppProcess;
  product: AppProcess;
  /** AUTH_JWKS_URL for whoever verifies the real auth service's tokens. */
  jwksUrl: string;
  close(): Promise<void>;
}

/**
 * The real auth and product services as their own processes (`node apps/<app>/src/main.ts`), each on a
 * fresh database migrated with its own migrations; product trusts auth's JWKS, without Redis or Kafka.
 */
export async function startRealServices(): Promise<RealServices> {
  const databases: TestDatabase[] = [];
  const processes: AppProcess[] = [];
  const close = async () => {
    await Promise.all(processes.map((process) => process.dispose()));
    await Promise.all(databases.map((db) => db.drop()));
  };
  try {
    const [authDb, productDb] = await Promise.all([
      createTestDatabase('gateway-auth'),
      createTestDatabase('gateway-product'),
    ]);
    databases.push(authDb, productDb);
    await Promise.all([
      migrate({ databaseUrl: authDb.url, migrationsDir: migrations('auth') }),
      migrate({ databaseUrl: productDb.url, migrationsDir: migrations('product') }),
    ]);
    const auth = await startAppProcess({
      app: 'auth',
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        AUTH_DATABASE_URL: authDb.url,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      },
    });
    processes.push(auth);
    const jwksUrl = `${auth.url}/.well-known/jwks.json`;
    const product = await startAppProcess({
      app: 'product',
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PRODUCT_DATABASE_URL: productDb.url,
        AUTH_JWKS_URL: jwksUrl,
      },
    });
    processes.push(product);
    return { auth, product, jwksUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}
