// What the manifests are generated from: each app's ports, configuration, secrets and the flows it needs.
// `node k8s/src/generate.ts` writes k8s/base (and components/istio) from this file; a test fails when the
// committed YAML differs from what it generates, so edit here, never the YAML.

/** The namespace every app, database, cache and broker of the shop runs in. */
export const NAMESPACE = 'shop';
/** Where the operators and the monitoring stack are installed (deploy/kind.sh and the README's EKS steps). */
export const MONITORING_NAMESPACE = 'monitoring';
export const OBSERVABILITY_NAMESPACE = 'observability';
export const CNPG_NAMESPACE = 'cnpg-system';
export const STRIMZI_NAMESPACE = 'strimzi';
export const INGRESS_NAMESPACES = ['ingress-nginx', 'istio-system'];

/** A PostgreSQL cluster run by CloudNativePG: its app secret `<name>-app` carries `uri`. */
export interface Database {
  name: string;
  database: string;
  owner: string;
}

export interface SecretValue {
  /** The environment variable. */
  env: string;
  /** The Secret and its key (created by deploy/kind.sh, or ExternalSecrets in eks). */
  secret: string;
  key: string;
}

export interface App {
  name: string;
  port: number;
  /** The image that runs it (`shop/<app>`, retagged by the overlays' `images:`). */
  image: string;
  /** Node services have an operational port (port + 10000), the web storefront (nginx) has none. */
  ops: boolean;
  /** Pods this app calls (by app name); the NetworkPolicy and AuthorizationPolicy allow exactly these. */
  calls: string[];
  /** Its PostgreSQL clusters (the first is its own database; order: the shard servers). */
  databases: Database[];
  redis: boolean;
  kafka: boolean;
  /** Egress to the internet on 443 (the card processor in production). */
  external: boolean;
  /** Reached from the ingress controller (the public entry points). */
  public: boolean;
  config: Record<string, string>;
  secrets: SecretValue[];
  /** Environment made from other variables (`$(VAR)`), after the secrets. */
  composed: Record<string, string>;
  /** Files mounted from Secrets: path -> secret (key `value`). */
  secretFiles: { env: string; secret: string; key: string; dir: string; file: string }[];
  /** Jobs the image runs before the service serves: its migration, product's seed. */
  jobs: ('migrate' | 'seed')[];
  /** Resources of one replica in production (the seed's product figures for the Node services). */
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  /** The seed's replica counts (eks) and how far the HPA may scale. */
  replicas: number;
  maxReplicas: number;
  /** Istio canary (the seed's x-version header and 90/10 split) for this app. */
  canary: boolean;
}

const db = (name: string, database: string, owner: string): Database => ({ name, database, owner });

/** Drain: preStop waits for the endpoints to drop the pod, then readiness 503s, then the server stops. */
export const PRE_STOP_SECONDS = 5;
export const SHUTDOWN_DRAIN_DELAY_MS = 5_000;
export const SHUTDOWN_TIMEOUT_MS = 15_000;
/** Above preStop + drain + shutdown timeout (25 s), so the kubelet never kills a draining pod. */
export const TERMINATION_GRACE_SECONDS = 30;

const nodeResources = {
  requests: { cpu: '500m', memory: '512Mi' },
  limits: { cpu: '1000m', memory: '1Gi' },
};

const AUTH_URL = 'http://auth:3001';
const platform = (port: number): Record<string, string> => ({
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  HOST: '0.0.0.0',
  PORT: String(port),
  OPS_PORT: String(port + 10000),
  SHUTDOWN_DRAIN_DELAY_MS: String(SHUTDOWN_DRAIN_DELAY_MS),
  SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://otel-collector.${OBSERVABILITY_NAMESPACE}:4318`,
});
const jwtVerify = {
  AUTH_ISSUER: 'https://auth.shop.local',
  AUTH_AUDIENCE: 'shop-api',
  AUTH_JWKS_URL: `${AUTH_URL}/.well-known/jwks.json`,
};
/** The Redis cluster's seed nodes (the StatefulSet's stable names). */
export const REDIS_NODES = [0, 1, 2].map((i) => `redis-${i}.redis:6379`).join(',');
export const KAFKA_BOOTSTRAP = 'shop-kafka-bootstrap:9092';
const kafka = {
  KAFKA_BROKERS: KAFKA_BOOTSTRAP,
  KAFKA_REPLICATION_FACTOR: '3',
  KAFKA_TOPIC_PARTITIONS: '12',
};
const dbUrl = (env: string, cluster: string): SecretValue => ({
  env,
  secret: `${cluster}-app`,
  key: 'uri',
});
const serviceClient = (id: string): SecretValue[] => [
  { env: 'SERVICE_CLIENT_SECRET', secret: `${id}-service-client`, key: 'secret' },
];

export const APPS: App[] = [
  {
    name: 'auth',
    port: 3001,
    image: 'shop/auth',
    ops: true,
    calls: [],
    databases: [db('auth-db', 'shop_auth', 'auth')],
    redis: true,
    kafka: false,
    external: false,
    public: false,
    config: {
      ...platform(3001),
      AUTH_ISSUER: jwtVerify.AUTH_ISSUER,
      AUTH_AUDIENCE: jwtVerify.AUTH_AUDIENCE,
      REDIS_CLUSTER_NODES: REDIS_NODES,
      ARGON2_MAX_CONCURRENCY: '2',
    },
    secrets: [
      dbUrl('AUTH_DATABASE_URL', 'auth-db'),
      { env: 'AUTH_SIGNING_KEYS', secret: 'auth-signing-keys', key: 'keys' },
      { env: 'ADMIN_EMAIL', secret: 'auth-admin', key: 'email' },
      { env: 'ADMIN_PASSWORD', secret: 'auth-admin', key: 'password' },
    ],
    composed: {},
    secretFiles: [
      {
        env: 'SERVICE_CLIENTS_FILE',
        secret: 'auth-service-clients',
        key: 'clients.json',
        dir: '/etc/shop/service-clients',
        file: 'clients.json',
      },
    ],
    jobs: ['migrate'],
    resources: nodeResources,
    replicas: 5,
    maxReplicas: 20,
    canary: false,
  },
  {
    name: 'product',
    port: 3002,
    image: 'shop/product',
    ops: true,
    calls: ['auth'],
    databases: [db('product-db', 'shop_product', 'product')],
    redis: true,
    kafka: true,
    external: false,
    public: false,
    config: {
      ...platform(3002),
      ...jwtVerify,
      ...kafka,
      REDIS_CLUSTER_NODES: REDIS_NODES,
      // 53 pods at most (50 + the surge) x 6 fit product-db's 380 usable connections (policy
      // connection-budget); reads are mostly answered by the cache in front.
      DATABASE_POOL_SIZE: '6',
    },
    secrets: [dbUrl('PRODUCT_DATABASE_URL', 'product-db')],
    composed: {},
    secretFiles: [],
    jobs: ['migrate', 'seed'],
    resources: nodeResources,
    replicas: 10,
    maxReplicas: 50,
    canary: false,
  },
  {
    name: 'order',
    port: 3003,
    image: 'shop/order',
    ops: true,
    calls: ['auth', 'product'],
    databases: [db('order-shard-a', 'shop_orders', 'order'), db('order-shard-b', 'shop_orders', 'order')],
    redis: true,
    kafka: true,
    external: false,
    public: false,
    config: {
      ...platform(3003),
      ...jwtVerify,
      ...kafka,
      REDIS_CLUSTER_NODES: REDIS_NODES,
      PRODUCT_SERVICE_URL: 'http://product:3002',
      AUTH_TOKEN_URL: `${AUTH_URL}/api/v1/auth/oauth/token`,
      SERVICE_CLIENT_ID: 'order',
      ORDER_SHARD_COUNT: '16',
      // The shard map's first state (read by the migration Job when the directory is empty): half each.
      ORDER_SHARD_INITIAL_MAP: 'a:0-7,b:8-15',
      // 20 replicas x 2 shard servers: a few relaying replicas are enough (apps/order/README.md).
      OUTBOX_RELAY_ENABLED: 'true',
      // Per shard server: 63 pods at most (60 + the surge) x 5 fit its 380 usable connections (policy
      // connection-budget). A checkout holds a connection for one short transaction.
      DATABASE_POOL_SIZE: '5',
    },
    secrets: [
      dbUrl('ORDER_SHARD_A_URL', 'order-shard-a'),
      dbUrl('ORDER_SHARD_B_URL', 'order-shard-b'),
      ...serviceClient('order'),
    ],
    composed: {
      // The first shard server holds the shard map (the directory).
      ORDER_DATABASE_URL: '$(ORDER_SHARD_A_URL)',
      ORDER_SHARD_SERVERS: 'a=$(ORDER_SHARD_A_URL),b=$(ORDER_SHARD_B_URL)',
    },
    secretFiles: [],
    jobs: ['migrate'],
    resources: nodeResources,
    replicas: 20,
    maxReplicas: 60,
    canary: false,
  },
  {
    name: 'payment',
    port: 3004,
    image: 'shop/payment',
    ops: true,
    calls: ['auth', 'order', 'payment-sandbox'],
    databases: [db('payment-db', 'shop_payment', 'payment')],
    redis: false,
    kafka: true,
    external: true,
    public: false,
    config: {
      ...platform(3004),
      ...jwtVerify,
      ...kafka,
      ORDER_SERVICE_URL: 'http://order:3003',
      PAYMENT_PROVIDER_URL: 'http://payment-sandbox:3005',
      AUTH_TOKEN_URL: `${AUTH_URL}/api/v1/auth/oauth/token`,
      SERVICE_CLIENT_ID: 'payment',
    },
    secrets: [
      dbUrl('PAYMENT_DATABASE_URL', 'payment-db'),
      ...serviceClient('payment'),
      { env: 'PAYMENT_PROVIDER_API_KEY', secret: 'payment-provider', key: 'api-key' },
      { env: 'PAYMENT_PROVIDER_WEBHOOK_SECRET', secret: 'payment-provider', key: 'webhook-secret' },
    ],
    composed: {},
    secretFiles: [],
    jobs: ['migrate'],
    resources: nodeResources,
    replicas: 10,
    maxReplicas: 30,
    canary: true,
  },
  {
    name: 'payment-sandbox',
    port: 3005,
    image: 'shop/payment-sandbox',
    ops: true,
    calls: ['payment'],
    databases: [db('payment-sandbox-db', 'shop_payment_sandbox', 'payment_sandbox')],
    redis: false,
    kafka: false,
    external: false,
    public: false,
    config: {
      ...platform(3005),
      SANDBOX_WEBHOOK_URL: 'http://payment:3004/api/v1/payments/webhooks/sandbox',
    },
    secrets: [
      dbUrl('PAYMENT_SANDBOX_DATABASE_URL', 'payment-sandbox-db'),
      { env: 'SANDBOX_API_KEY', secret: 'payment-provider', key: 'api-key' },
      { env: 'SANDBOX_WEBHOOK_SECRET', secret: 'payment-provider', key: 'webhook-secret' },
    ],
    composed: {},
    secretFiles: [],
    jobs: ['migrate'],
    resources: {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1000m', memory: '512Mi' },
    },
    replicas: 2,
    maxReplicas: 6,
    canary: false,
  },
  {
    name: 'gateway',
    port: 8080,
    image: 'shop/gateway',
    ops: true,
    calls: ['auth', 'product', 'order', 'payment'],
    databases: [],
    redis: true,
    kafka: false,
    external: false,
    public: true,
    config: {
      ...platform(8080),
      ...jwtVerify,
      REDIS_CLUSTER_NODES: REDIS_NODES,
      AUTH_SERVICE_URL: AUTH_URL,
      PRODUCT_SERVICE_URL: 'http://product:3002',
      ORDER_SERVICE_URL: 'http://order:3003',
      PAYMENT_SERVICE_URL: 'http://payment:3004',
      // The ingress controller's pods (kind: ingress-nginx; eks: the ALB's VPC addresses).
      TRUST_PROXY: '10.0.0.0/8',
    },
    secrets: [],
    composed: {},
    secretFiles: [],
    jobs: [],
    resources: nodeResources,
    replicas: 15,
    maxReplicas: 60,
    canary: false,
  },
  {
    name: 'web',
    port: 3000,
    image: 'shop/web',
    ops: false,
    calls: [],
    databases: [],
    redis: false,
    kafka: false,
    external: false,
    public: true,
    config: {},
    secrets: [],
    composed: {},
    secretFiles: [],
    jobs: [],
    resources: {
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '128Mi' },
    },
    replicas: 10,
    maxReplicas: 30,
    canary: false,
  },
];

export const DATABASES: Database[] = APPS.flatMap((app) => app.databases);
