import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { SERVICE_CALLS } from '@shop/contracts';
import { migrate } from '@shop/database';
import { migrateShards, parseAssignments } from '@shop/sharding';
import {
  createTestDatabase,
  createTestSigningKey,
  findFreePorts,
  getJaeger,
  getKafka,
  getRedis,
  startAppProcess,
  startKafkaBroker,
  startPostgresServer,
  uniqueKeyPrefix,
  type AppProcess,
  type JaegerEndpoint,
  type LocalKafkaBroker,
  type LocalPostgresServer,
  type TestDatabase,
  type TestSigningKey,
} from '@shop/testing';
import pg from 'pg';

// The apps are started by path, never imported: e2e sees the shop only as its processes and the gateway.
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const migrationsOf = (app: string) => path.join(ROOT, 'apps', app, 'prisma', 'migrations');

export const SERVICE_NAMES = ['auth', 'product', 'order', 'payment-sandbox', 'payment', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const SHARD_COUNT = 16;
// Shards 0-7 on the shared test server, 8-15 on a server of their own, as two shard servers run in production.
const SHARD_MAP = 'a:0-7,b:8-15';
const ISSUER = 'https://auth.shop.local';
const AUDIENCE = 'shop-api';

export const ADMIN = { email: 'admin@e2e.shop.test', password: 'an e2e admin passphrase of some length' };

/** How one service exports its spans: OTLP (the default), or the Jaeger thrift exporter. */
export type Exporter = 'otlp' | 'jaeger';

export interface ShopSystemOptions {
  /** Per service: its exporter (default OTLP for all). */
  exporters?: Partial<Record<ServiceName, Exporter>>;
  /** Per service: variables over the defaults below. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** A Kafka broker of this system's own, which a test may stop (the shared one serves other files). */
  dedicatedKafka?: boolean;
  /** false: no Jaeger, nothing traced (the checkout bench measures the shop, not its tracing). */
  tracing?: boolean;
}

export interface ShopSystem {
  /** http://127.0.0.1:<port> of the gateway: the only door the tests use for the shop itself. */
  readonly url: string;
  readonly services: Record<ServiceName, AppProcess>;
  /** Where every span goes; undefined with `tracing: false`. */
  readonly jaeger: JaegerEndpoint | undefined;
  /** Auth's one signing key (AUTH_SIGNING_KEYS), so a test can sign what auth never would, e.g. expired. */
  readonly signingKey: TestSigningKey;
  /** The system's own broker, with `dedicatedKafka`. */
  readonly kafka: LocalKafkaBroker | undefined;
  /**
   * A product's stock as the product service holds it, read with the `e2e` observer's own service token
   * (scope inventory:read): the one look behind the gateway, since no public route shows reserved units.
   */
  stock(productId: string): Promise<{ available: number; reserved: number }>;
  /** Stops a service (SIGTERM) and starts it again on its port, with `env` over what it had. */
  restart(name: ServiceName, env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

interface ClientSecret {
  SERVICE_CLIENT_SECRET: string;
  secretHash: string;
}

/** A client secret and its argon2id hash, from the auth service's own tool (`npm run auth:client-secret`). */
async function clientSecret(clientId: string): Promise<ClientSecret> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'apps', 'auth', 'src', 'client-secret.ts'), clientId],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`apps/auth/src/client-secret.ts ${clientId} exited with ${code}; run it to see why.`);
  return JSON.parse(out) as ClientSecret;
}

function tracingEnv(jaeger: JaegerEndpoint | undefined, exporter: Exporter): Record<string, string> {
  if (!jaeger) return { OTEL_TRACES_EXPORTER: 'none' };
  const common = {
    OTEL_TRACES_SAMPLER_ARG: '1',
    // Spans leave each process a tenth of a second after they end, so a test waits for Jaeger briefly.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  return exporter === 'otlp'
    ? { ...common, OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpUrl }
    : { ...common, OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_ENDPOINT: jaeger.thriftHttpUrl };
}

/** A database on a dedicated PostgreSQL server, for the second shard server. */
async function databaseOn(server: LocalPostgresServer, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The whole shop as production runs it: auth, product, order, the payment sandbox, payment and the gateway,
 * each `node apps/<name>/src/main.ts` in its own process; every database on real PostgreSQL (the order's 16
 * shards over two servers), carts, caches and rate limits in Redis, events through Kafka (a namespace of its
 * own, since test files share the broker), services calling each other with OAuth client-credentials tokens
 * whose secrets auth holds hashed, and every span sampled and exported to Jaeger.
 */
export async function startShopSystem(options: ShopSystemOptions = {}): Promise<ShopSystem> {
  const processes = new Map<ServiceName, AppProcess>();
  const services = {} as Record<ServiceName, AppProcess>;
  const databases: TestDatabase[] = [];
  let shardServer: LocalPostgresServer | undefined;
  let kafkaBroker: LocalKafkaBroker | undefined;
  const close = async () => {
    // The gateway first, so nothing new arrives while the rest stop.
    await processes.get('gateway')?.dispose();
    await Promise.allSettled([...processes.values()].map((process) => process.dispose()));
    await Promise.allSettled(databases.map((db) => db.drop()));
    await shardServer?.stop();
    await kafkaBroker?.dispose();
  };
  try {
    const [jaeger, redis, { brokers }, freePorts, secondServer, clients, signingKey] = await Promise.all([
      options.tracing === false ? undefined : getJaeger(),
      getRedis(),
      options.dedicatedKafka ? startKafkaBroker().then((broker) => (kafkaBroker = broker)) : getKafka(),
      findFreePorts(SERVICE_NAMES.length),
      startPostgresServer(),
      Promise.all(['order', 'payment', 'e2e'].map(clientSecret)),
      createTestSigningKey({ issuer: ISSUER, audience: AUDIENCE }),
    ]);
    shardServer = secondServer;
    const [orderClient, paymentClient, observerClient] = clients as [
      ClientSecret,
      ClientSecret,
      ClientSecret,
    ];
    const [authDb, productDb, paymentDb, sandboxDb, shardsA] = await Promise.all(
      ['e2e-auth', 'e2e-product', 'e2e-payment', 'e2e-sandbox', 'e2e-order-a'].map((label) =>
        createTestDatabase(label),
      ),
    );
    databases.push(authDb!, productDb!, paymentDb!, sandboxDb!, shardsA!);
    const shards = { a: shardsA!.url, b: await databaseOn(secondServer, 'e2e_order_b') };
    await Promise.all([
      migrate({ databaseUrl: authDb!.url, migrationsDir: migrationsOf('auth') }),
      migrate({ databaseUrl: productDb!.url, migrationsDir: migrationsOf('product') }),
      migrate({ databaseUrl: paymentDb!.url, migrationsDir: migrationsOf('payment') }),
      migrate({ databaseUrl: sandboxDb!.url, migrationsDir: migrationsOf('payment-sandbox') }),
      migrateShards({
        servers: shards,
        directoryUrl: shards.a,
        initialAssignments: parseAssignments(SHARD_MAP, SHARD_COUNT),
        shardCount: SHARD_COUNT,
        schemaPrefix: 'orders_s',
        migrationsDir: migrationsOf('order'),
        logger: { info: () => undefined, warn: () => undefined },
      }),
    ]);

    const namespace = `e2e-${randomUUID().slice(0, 8)}`;
    const sandbox = {
      apiKey: `sk_test_e2e_${randomBytes(18).toString('base64url')}`,
      webhookSecret: `whsec_e2e_${randomBytes(18).toString('base64url')}`,
    };
    // Every port is chosen up front: the sandbox's webhook URL names the gateway before it runs.
    const portOf = (name: ServiceName) => freePorts[SERVICE_NAMES.indexOf(name)]!;
    const urlOf = (name: ServiceName) => `http://127.0.0.1:${portOf(name)}`;
    const gatewayUrl = urlOf('gateway');
    const jwks = () => ({
      AUTH_JWKS_URL: `${urlOf('auth')}/.well-known/jwks.json`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
    });
    const kafka = {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_NAMESPACE: namespace,
      KAFKA_TOPIC_PARTITIONS: '3',
    };
    const tokenUrl = () => ({ AUTH_TOKEN_URL: `${urlOf('auth')}/api/v1/auth/oauth/token` });

    const envOf: Record<ServiceName, () => Record<string, string>> = {
      auth: () => ({
        AUTH_DATABASE_URL: authDb!.url,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
        AUTH_SIGNING_KEYS: JSON.stringify([signingKey.privateJwk]),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: uniqueKeyPrefix('e2e-auth'),
        // Every test client reaches auth through the gateway from 127.0.0.1; auth believes its X-Forwarded-For.
        TRUST_PROXY: '127.0.0.1',
        REGISTRATION_MAX_PER_IP: '1000',
        SERVICE_CLIENTS: JSON.stringify([
          { id: 'order', secretHashes: [orderClient.secretHash], scopes: SERVICE_CALLS.order },
          { id: 'payment', secretHashes: [paymentClient.secretHash], scopes: SERVICE_CALLS.payment },
          { id: 'e2e', secretHashes: [observerClient.secretHash], scopes: { product: ['inventory:read'] } },
        ]),
      }),
      product: () => ({
        PRODUCT_DATABASE_URL: productDb!.url,
        ...jwks(),
        ...kafka,
        REDIS_URL: redis.url,
        CACHE_KEY_PREFIX: uniqueKeyPrefix('e2e-product'),
      }),
      order: () => ({
        ORDER_DATABASE_URL: shards.a,
        ORDER_SHARD_SERVERS: `a=${shards.a},b=${shards.b}`,
        ...jwks(),
        ...kafka,
        REDIS_URL: redis.url,
        CART_KEY_PREFIX: uniqueKeyPrefix('e2e-cart'),
        PRODUCT_SERVICE_URL: urlOf('product'),
        ...tokenUrl(),
        SERVICE_CLIENT_SECRET: orderClient.SERVICE_CLIENT_SECRET,
        ORDER_EXPIRY_SWEEP_INTERVAL_MS: '500',
      }),
      'payment-sandbox': () => ({
        PAYMENT_SANDBOX_DATABASE_URL: sandboxDb!.url,
        SANDBOX_API_KEY: sandbox.apiKey,
        SANDBOX_WEBHOOK_SECRET: sandbox.webhookSecret,
        // The provider's webhooks come in as from the internet: through the gateway's public webhook route.
        SANDBOX_WEBHOOK_URL: `${gatewayUrl}/api/v1/payments/webhooks/sandbox`,
        // pm_card_timeout answers past payment's provider timeout (3 s), but not by the default 10 s; its
        // webhook waits for the worker's next round, so the customer sees processing and the completer
        // settles it (a webhook within the provider timeout would settle it before the first answer).
        SANDBOX_TIMEOUT_DELAY_MS: '5000',
        SANDBOX_WORKER_INTERVAL_MS: '15000',
      }),
      payment: () => ({
        PAYMENT_DATABASE_URL: paymentDb!.url,
        ...jwks(),
        ...kafka,
        ORDER_SERVICE_URL: urlOf('order'),
        ...tokenUrl(),
        SERVICE_CLIENT_SECRET: paymentClient.SERVICE_CLIENT_SECRET,
        PAYMENT_PROVIDER_URL: urlOf('payment-sandbox'),
        PAYMENT_PROVIDER_API_KEY: sandbox.apiKey,
        PAYMENT_PROVIDER_WEBHOOK_SECRET: sandbox.webhookSecret,
        // Generous for a loaded 2-core machine; the completer asks again past it.
        PAYMENT_PROVIDER_TIMEOUT_MS: '3000',
        PAYMENT_COMPLETER_AFTER_MS: '3500',
        PAYMENT_COMPLETER_INTERVAL_MS: '250',
      }),
      gateway: () => ({
        AUTH_SERVICE_URL: urlOf('auth'),
        PRODUCT_SERVICE_URL: urlOf('product'),
        ORDER_SERVICE_URL: urlOf('order'),
        PAYMENT_SERVICE_URL: urlOf('payment'),
        ...jwks(),
        REDIS_URL: redis.url,
        RATE_LIMIT_KEY_PREFIX: uniqueKeyPrefix('e2e-rate'),
        // Every test client is 127.0.0.1: the per-address limits would count the whole suite as one client.
        RATE_LIMIT_PER_IP: '1000000',
        RATE_LIMIT_LOGIN: '10000',
        RATE_LIMIT_REGISTER: '10000',
      }),
    };
    const start = async (name: ServiceName, extra: Record<string, string> = {}) => {
      const app = await startAppProcess({
        app: name,
        port: portOf(name),
        env: {
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          ...tracingEnv(jaeger, options.exporters?.[name] ?? 'otlp'),
          ...envOf[name](),
          ...options.env?.[name],
          ...extra,
        },
      });
      processes.set(name, app);
      services[name] = app;
    };
    // Everyone needs auth's keys; order reads prices from product, payment reads orders, and the gateway's
    // /ready waits for all the others: each starts once what it calls is ready, as in npm start.
    await start('auth');
    await Promise.all([start('product'), start('payment-sandbox')]);
    await start('order');
    await start('payment');
    await start('gateway');

    const observerTokens = async () => {
      const response = await fetch(`${urlOf('auth')}/api/v1/auth/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: 'e2e',
          client_secret: observerClient.SERVICE_CLIENT_SECRET,
          audience: 'product',
        }),
      });
      if (!response.ok)
        throw new Error(`the e2e client's token: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { access_token: string }).access_token;
    };
    let observerToken: string | undefined;

    return {
      url: gatewayUrl,
      services,
      jaeger,
      signingKey,
      kafka: kafkaBroker,
      async stock(productId) {
        observerToken ??= await observerTokens();
        const response = await fetch(`${urlOf('product')}/internal/v1/inventory/stock/${productId}`, {
          headers: { authorization: `Bearer ${observerToken}` },
        });
        if (!response.ok)
          throw new Error(`stock of ${productId}: ${response.status} ${await response.text()}`);
        const { available, reserved } = (await response.json()) as { available: number; reserved: number };
        return { available, reserved };
      },
      async restart(name, env) {
        await processes.get(name)!.dispose();
        await start(name, env);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
