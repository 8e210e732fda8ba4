import path from 'node:path';
import { migrate } from '@shop/database';
import { type BearerTokens, ServiceTokenSource } from '@shop/platform';
import { createTestDatabase, startAppProcess, type AppProcess, type TestAuth } from '@shop/testing';

// By path, not by import: an app never imports another app, tests included.
const PRODUCT_MIGRATIONS = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'product',
  'prisma',
  'migrations',
);

export interface ProductServiceOptions {
  /** The stand-in auth service both services trust; its admin tokens create the products. */
  auth: TestAuth;
  /** Kafka brokers (`host:port,...`); without them, the stand-in bus on the product database. */
  kafkaBrokers?: string;
  /** More of the product service's variables, e.g. RESERVATION_TTL_SECONDS. */
  env?: Record<string, string>;
}

/** What createProduct takes: the admin API's body (apps/product's CreateProductBody); defaults fill the rest. */
export interface NewTestProduct {
  sku?: string;
  name?: string;
  description?: string;
  category?: string;
  price?: { amount: number; currency: string };
  imageUrl?: string | null;
  active?: boolean;
  /** Units on sale from the start (default 10). */
  stock?: number;
}

export interface CreatedProduct {
  id: string;
  sku: string;
  name: string;
  price: { amount: number; currency: string };
  active: boolean;
  version: number;
}

export interface ProductService {
  /** Where the order service reaches it: PRODUCT_SERVICE_URL. */
  url: string;
  /** The order service's env for this product service: its URL, and the client that gets tokens for it. */
  orderEnv: Record<string, string>;
  /** The order service's tokens for it, from the stand-in auth service (for a ProductClient). */
  serviceToken: BearerTokens;
  process: AppProcess;
  databaseUrl: string;
  /** Adds a product through the admin API, as an admin would. */
  createProduct(product?: NewTestProduct): Promise<CreatedProduct>;
  /** Calls the product service's HTTP API as an admin (e.g. PATCH a product, adjust stock, DELETE). */
  asAdmin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

let sequence = 0;

/**
 * The real product service as its own process, on a fresh database migrated with its own migrations,
 * trusting `auth`, with an in-process cache (no Redis) and the stand-in bus unless Kafka is given. For the
 * order service's end-to-end tests: carts and checkouts against the service they run against in production.
 */
export async function startProductService(options: ProductServiceOptions): Promise<ProductService> {
  const { auth } = options;
  const db = await createTestDatabase('order-product');
  let app: AppProcess;
  try {
    await migrate({ databaseUrl: db.url, migrationsDir: PRODUCT_MIGRATIONS });
    app = await startAppProcess({
      app: 'product',
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PRODUCT_DATABASE_URL: db.url,
        AUTH_JWKS_URL: auth.jwksUrl,
        AUTH_ISSUER: auth.issuer,
        AUTH_AUDIENCE: auth.audience,
        ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers } : {}),
        ...options.env,
      },
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const url = app.url;
  const orderEnv = { PRODUCT_SERVICE_URL: url, ...auth.serviceClientEnv('order') };
  const tokens = new ServiceTokenSource({
    tokenUrl: orderEnv.AUTH_TOKEN_URL,
    clientId: orderEnv.SERVICE_CLIENT_ID,
    clientSecret: orderEnv.SERVICE_CLIENT_SECRET,
  });

  const asAdmin = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: {
        ...(await auth.bearer(['admin'])),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };

  return {
    url,
    orderEnv,
    serviceToken: tokens.forAudience('product'),
    process: app,
    databaseUrl: db.url,
    asAdmin,
    async createProduct(product = {}) {
      sequence += 1;
      const res = await asAdmin('POST', '/api/v1/products', {
        sku: `ORDER-TEST-${sequence}-${crypto.randomUUID().slice(0, 8).toUpperCase()}`,
        name: `Order test product ${sequence}`,
        category: 'test-gear',
        price: { amount: 1_999, currency: 'USD' },
        stock: 10,
        ...product,
      });
      if (res.status !== 201) {
        throw new Error(`Creating a product answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
      return res.body as CreatedProduct;
    },
    async close() {
      await tokens.close();
      await app.dispose();
      await db.drop();
    },
  };
}
