import path from 'node:path';
import { migrate } from '@shop/database';
import { migrateShards } from '@shop/sharding';
import { createTestDatabase, startAppProcess, type AppProcess, type TestDatabase } from '@shop/testing';

// By path, not by import: an app never imports another app, tests included.
const APPS = path.resolve(import.meta.dirname, '..', '..', '..');
const migrations = (app: string) => path.join(APPS, app, 'prisma', 'migrations');

export const ADMIN = { email: 'admin@gateway.test', password: 'gateway-admin-password-1' };

export interface RealServices {
  auth: AppProcess;
  product: AppProcess;
  order: AppProcess;
  /** AUTH_JWKS_URL for whoever verifies the real auth service's tokens. */
  jwksUrl: string;
  close(): Promise<void>;
}

/**
 * The real auth, product and order services as their own processes (`node apps/<app>/src/main.ts`), each on
 * a fresh database migrated with its own migrations (order's 16 shards as schemas of one, as `npm start`
 * lays them out), trusting auth's JWKS, without Redis or Kafka (order prices carts from the product service).
 */
export async function startRealServices(): Promise<RealServices> {
  const databases: TestDatabase[] = [];
  const processes: AppProcess[] = [];
  const close = async () => {
    await Promise.all(processes.map((process) => process.dispose()));
    await Promise.all(databases.map((db) => db.drop()));
  };
  try {
    const [authDb, productDb, orderDb] = await Promise.all([
      createTestDatabase('gateway-auth'),
      createTestDatabase('gateway-product'),
      createTestDatabase('gateway-order'),
    ]);
    databases.push(authDb, productDb, orderDb);
    await Promise.all([
      migrate({ databaseUrl: authDb.url, migrationsDir: migrations('auth') }),
      migrate({ databaseUrl: productDb.url, migrationsDir: migrations('product') }),
      migrateShards({
        servers: { a: orderDb.url },
        directoryUrl: orderDb.url,
        shardCount: 16,
        schemaPrefix: 'orders_s',
        migrationsDir: migrations('order'),
        logger: { info: () => undefined, warn: () => undefined },
      }),
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
    const order = await startAppProcess({
      app: 'order',
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        ORDER_DATABASE_URL: orderDb.url,
        ORDER_SHARD_SERVERS: `a=${orderDb.url}`,
        AUTH_JWKS_URL: jwksUrl,
        PRODUCT_SERVICE_URL: product.url,
        // Its service tokens for product come from this auth (the development clients outside production).
        AUTH_TOKEN_URL: `${auth.url}/api/v1/auth/oauth/token`,
      },
    });
    processes.push(order);
    return { auth, product, order, jwksUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}
