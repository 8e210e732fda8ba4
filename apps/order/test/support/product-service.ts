import path from 'node:path';
import { migrate } from '@shop/database';
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

export const PRODUCT_INTERNAL_TOKEN = 'order-tests-internal-token-0123456789';

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
  /** What the order service sends in x-internal-token: INTERNAL_API_TOKEN. */
  internalToken: string;
  /** The order service's env for this product service. */
  orderEnv: { PRODUCT_SERVICE_URL: string; INTERNAL_API_TOKEN: string };
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
        INTERNAL_API_TOKEN: PRODUCT_INTERNAL_TOKEN,
        ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers } : {}),
        ...options.env,
      },
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const url = app.url;

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
    internalToken: PRODUCT_INTERNAL_TOKEN,
    orderEnv: { PRODUCT_SERVICE_URL: url, INTERNAL_API_TOKEN: PRODUCT_INTERNAL_TOKEN },
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
      await app.dispose();
      await db.drop();
    },
  };
}
