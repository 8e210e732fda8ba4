import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SERVICE_CALLS, SERVICE_SCOPES } from '@shop/contracts';
import { migrate } from '@shop/database';
import { migrateShards } from '@shop/sharding';
import { createTestDatabase, getPostgres, getRedis, stopAllServers, uniqueKeyPrefix } from '@shop/testing';

// npm run fuzz:api: starts every HTTP service on the test kit's PostgreSQL and Redis, logs in as an admin
// through auth, and runs schemathesis against each service's own /openapi.json with that token, its
// customer routes once more with a customer's token (a customer owns carts, orders and payments the admin
// does not, and is refused where the admin is let in), and its /internal routes with a service token (a
// fuzz client granted every scope). Any finding (a 5xx, a status,
// body or content type the document does not declare) fails the run.
// schemathesis (pinned below) is installed into .cache/schemathesis with python3's venv and pip on first use.
// Options: FUZZ_MAX_EXAMPLES (per operation and phase, default 50: about 2 minutes for auth and product on
// 2 cores), FUZZ_SEED (default fixed, so a run is repeatable), FUZZ_SERVICES (names, default all),
// SCHEMATHESIS_VENV (where the virtual environment lives).

const ROOT = join(import.meta.dirname, '..');
const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = process.env['SCHEMATHESIS_VENV'] ?? join(ROOT, '.cache', 'schemathesis');
const LOG_DIR = join(ROOT, '.cache', 'fuzz-api');
const SEED = process.env['FUZZ_SEED'] ?? '20261126';
const MAX_EXAMPLES = process.env['FUZZ_MAX_EXAMPLES'] ?? '50';
const CHECKS = [
  'not_a_server_error',
  'response_schema_conformance',
  'status_code_conformance',
  'content_type_conformance',
];
const READY_TIMEOUT_MS = 60_000;

interface ServiceClientSecret {
  SERVICE_CLIENT_SECRET: string;
  secretHash: string;
}

interface Run {
  redisUrl: string;
  /** OAuth clients at auth: the order and payment services' own, and the fuzzer's, granted every scope. */
  clients: { order: ServiceClientSecret; payment: ServiceClientSecret; fuzz: ServiceClientSecret };
  /** The sandbox card processor's API key and webhook secret, which payment is given too. */
  sandbox: { apiKey: string; webhookSecret: string };
  admin: { email: string; password: string };
  /** A customer registered through auth before the passes. */
  customer: { email: string; password: string; name: string };
  portOf(service: string): number;
  /** The service's operational listener, whose OpenAPI document includes the /internal routes. */
  opsPortOf(service: string): number;
}

/** A service under fuzzing: the variable of its database (if it has one) and what else it needs. */
interface FuzzedService {
  name: string;
  databaseVariable?: string;
  /** Prepares its fresh database; by default its migrations applied to the public schema. */
  migrate?: (databaseUrl: string) => Promise<unknown>;
  env(run: Run): Record<string, string>;
  /** The Authorization header of its public pass (default: the admin's access token). */
  authorization?(run: Run): string;
  /** Where its OpenAPI document is (default: /openapi.json on its operational listener). */
  documentUrl?(run: Run): string;
  /** Examples per operation and phase, when fewer than FUZZ_MAX_EXAMPLES are enough. */
  maxExamples?: number;
  /**
   * Its routes other than /admin/ and /internal/ once more with a customer's access token, at most this many
   * examples per operation (none when unset: the service has no customer-owned data).
   */
  customerExamples?: number;
}

// Services are started in this order; a new one joins with one line.
const SERVICES: FuzzedService[] = [
  {
    name: 'auth',
    databaseVariable: 'AUTH_DATABASE_URL',
    env: (run) => ({
      ADMIN_EMAIL: run.admin.email,
      ADMIN_PASSWORD: run.admin.password,
      SERVICE_CLIENTS: JSON.stringify([
        { id: 'order', secretHashes: [run.clients.order.secretHash], scopes: SERVICE_CALLS.order },
        { id: 'payment', secretHashes: [run.clients.payment.secretHash], scopes: SERVICE_CALLS.payment },
        {
          id: 'fuzz',
          secretHashes: [run.clients.fuzz.secretHash],
          scopes: Object.fromEntries(
            Object.entries(SERVICE_SCOPES).map(([audience, scopes]) => [audience, Object.keys(scopes)]),
          ),
        },
      ]),
    }),
  },
  {
    name: 'product',
    databaseVariable: 'PRODUCT_DATABASE_URL',
    env: (run) => ({ AUTH_JWKS_URL: `http://127.0.0.1:${run.portOf('auth')}/.well-known/jwks.json` }),
  },
  {
    name: 'order',
    databaseVariable: 'ORDER_DATABASE_URL',
    // All 16 shards as schemas of its one database, the shard map beside them (the embedded start's layout).
    migrate: (databaseUrl) =>
      migrateShards({
        servers: { a: databaseUrl },
        directoryUrl: databaseUrl,
        shardCount: 16,
        schemaPrefix: 'orders_s',
        migrationsDir: join(ROOT, 'apps', 'order', 'prisma', 'migrations'),
        logger: { info: () => undefined, warn: (message) => log(`order: ${message}`) },
      }),
    env: (run) => ({
      AUTH_JWKS_URL: `http://127.0.0.1:${run.portOf('auth')}/.well-known/jwks.json`,
      PRODUCT_SERVICE_URL: `http://127.0.0.1:${run.portOf('product')}`,
      AUTH_TOKEN_URL: `http://127.0.0.1:${run.portOf('auth')}/api/v1/auth/oauth/token`,
      SERVICE_CLIENT_SECRET: run.clients.order.SERVICE_CLIENT_SECRET,
      CART_KEY_PREFIX: uniqueKeyPrefix('fuzz-cart'),
    }),
    customerExamples: 25,
  },
  {
    name: 'payment-sandbox',
    databaseVariable: 'PAYMENT_SANDBOX_DATABASE_URL',
    env: (run) => ({
      SANDBOX_API_KEY: run.sandbox.apiKey,
      SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${run.portOf('payment')}/api/v1/payments/webhooks/sandbox`,
      SANDBOX_WEBHOOK_SECRET: run.sandbox.webhookSecret,
      // Cards that answer late would hold each example for the default 10 s.
      SANDBOX_TIMEOUT_DELAY_MS: '200',
    }),
    // It is the card processor: its callers authenticate with its secret API key, not an access token.
    authorization: (run) => `Bearer ${run.sandbox.apiKey}`,
  },
  {
    name: 'payment',
    databaseVariable: 'PAYMENT_DATABASE_URL',
    env: (run) => ({
      AUTH_JWKS_URL: `http://127.0.0.1:${run.portOf('auth')}/.well-known/jwks.json`,
      ORDER_SERVICE_URL: `http://127.0.0.1:${run.portOf('order')}`,
      AUTH_TOKEN_URL: `http://127.0.0.1:${run.portOf('auth')}/api/v1/auth/oauth/token`,
      SERVICE_CLIENT_SECRET: run.clients.payment.SERVICE_CLIENT_SECRET,
      PAYMENT_PROVIDER_URL: `http://127.0.0.1:${run.portOf('payment-sandbox')}`,
      PAYMENT_PROVIDER_API_KEY: run.sandbox.apiKey,
      PAYMENT_PROVIDER_WEBHOOK_SECRET: run.sandbox.webhookSecret,
    }),
    customerExamples: 25,
  },
  {
    // Every public route once more, as clients reach them: through the gateway, with its merged document.
    name: 'gateway',
    env: (run) => ({
      AUTH_JWKS_URL: `http://127.0.0.1:${run.portOf('auth')}/.well-known/jwks.json`,
      AUTH_SERVICE_URL: `http://127.0.0.1:${run.portOf('auth')}`,
      PRODUCT_SERVICE_URL: `http://127.0.0.1:${run.portOf('product')}`,
      ORDER_SERVICE_URL: `http://127.0.0.1:${run.portOf('order')}`,
      PAYMENT_SERVICE_URL: `http://127.0.0.1:${run.portOf('payment')}`,
      RATE_LIMIT_KEY_PREFIX: uniqueKeyPrefix('fuzz-gateway'),
      // The fuzzer is one client sending thousands of requests; the limits themselves are tested elsewhere.
      ...Object.fromEntries(
        ['PER_IP', 'PER_USER', 'LOGIN', 'REGISTER', 'CHECKOUT', 'WEBHOOKS'].map((limit) => [
          `RATE_LIMIT_${limit}`,
          '1000000',
        ]),
      ),
    }),
    documentUrl: (run) => `http://127.0.0.1:${run.portOf('gateway')}/docs/json`,
    // The services' own passes go deep; this one checks what the edge adds (auth, limits, bodies, errors).
    maxExamples: 10,
    customerExamples: 10,
  },
];

const log = (message: string) => process.stderr.write(`[fuzz-api] ${message}\n`);
const children: ChildProcess[] = [];

function exec(command: string, args: string[], cwd = ROOT): Promise<number> {
  const child = spawn(command, args, { cwd, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** The schemathesis CLI of the pinned version, installed into a virtual environment on first use. */
async function schemathesis(): Promise<string> {
  const st = join(VENV, 'bin', 'st');
  const installed = existsSync(st)
    ? await new Promise<string>((resolve) => {
        const child = spawn(st, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', () => resolve(out));
        child.once('error', () => resolve(''));
      })
    : '';
  if (installed.includes(SCHEMATHESIS_VERSION)) return st;
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${VENV} (python3 -m venv + pip) ...`);
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', VENV]],
    [
      join(VENV, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
    ],
  ];
  for (const [command, args] of steps) {
    if ((await exec(command, args)) !== 0) {
      throw new Error(
        `${command} ${args.join(' ')} failed; schemathesis needs python3 with venv and pip ` +
          '(Debian: apt-get install python3-venv). Fix it and run npm run fuzz:api again.',
      );
    }
  }
  return st;
}

async function freePorts(count: number): Promise<number[]> {
  // Every probe stays open until all ports are known, so none is handed out twice.
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<typeof server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function startService(service: FuzzedService, env: Record<string, string>): Promise<ChildProcess> {
  const logFile = join(LOG_DIR, `${service.name}.log`);
  const child = spawn(process.execPath, [join(ROOT, 'apps', service.name, 'src', 'main.ts')], {
    cwd: join(ROOT, 'apps', service.name),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = createWriteStream(logFile);
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${service.name} exited with ${child.exitCode} while starting; see ${logFile}.`);
    }
    const ready = await fetch(`http://127.0.0.1:${env['PORT']}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return child;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service.name} was not ready within ${READY_TIMEOUT_MS / 1000} s; see ${logFile}.`);
}

/** A new client secret and its hash, from the auth service's own tool (npm run auth:client-secret). */
async function clientSecret(clientId: string): Promise<ServiceClientSecret> {
  const child = spawn(process.execPath, [join(ROOT, 'apps', 'auth', 'src', 'client-secret.ts'), clientId], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`apps/auth/src/client-secret.ts ${clientId} exited with ${code}; run it to see why.`);
  return JSON.parse(out) as ServiceClientSecret;
}

/** A service token of the fuzz client for `audience`, with every scope that service grants. */
async function serviceToken(run: Run, audience: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${run.portOf('auth')}/api/v1/auth/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: 'fuzz',
      client_secret: run.clients.fuzz.SERVICE_CLIENT_SECRET,
      audience,
    }),
  });
  if (!response.ok) {
    throw new Error(
      `a service token for ${audience} answered ${response.status}: ${await response.text()}; see ${LOG_DIR}/auth.log.`,
    );
  }
  return ((await response.json()) as { access_token: string }).access_token;
}

/** An access token from auth's `path` (login or register) for `body`'s account. */
async function accessToken(run: Run, path: 'login' | 'register', body: object, who: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${run.portOf('auth')}/api/v1/auth/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(
      `${path} as ${who} answered ${response.status}: ${await response.text()}; see ${LOG_DIR}/auth.log.`,
    );
  }
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Service log lines at level error or above (pino: 50+), which say why a 500 happened. */
async function errorLines(service: string): Promise<string[]> {
  const text = await readFile(join(LOG_DIR, `${service}.log`), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => /"level":(5|6)\d/.test(line));
}

async function main(): Promise<number> {
  const only = process.env['FUZZ_SERVICES']?.split(',').filter(Boolean);
  const fuzzed = only ? SERVICES.filter((service) => only.includes(service.name)) : SERVICES;
  await mkdir(LOG_DIR, { recursive: true });
  const st = await schemathesis();
  log('generating Prisma clients, starting PostgreSQL and Redis ...');
  if ((await exec(process.execPath, [join(ROOT, 'tools', 'prisma-generate.ts')])) !== 0) {
    throw new Error('generating the Prisma clients failed (see above); run npm run prisma:generate.');
  }
  const [, redis] = await Promise.all([getPostgres(), getRedis()]);
  const ports = await freePorts(SERVICES.length * 2);
  const run: Run = {
    redisUrl: redis.url,
    clients: {
      order: await clientSecret('order'),
      payment: await clientSecret('payment'),
      fuzz: await clientSecret('fuzz'),
    },
    sandbox: {
      apiKey: `sk_test_fuzz_${randomBytes(18).toString('base64url')}`,
      webhookSecret: `whsec_fuzz_${randomBytes(18).toString('base64url')}`,
    },
    admin: { email: 'fuzz-admin@shop.test', password: randomBytes(18).toString('base64url') },
    customer: {
      email: 'fuzz-customer@shop.test',
      password: randomBytes(18).toString('base64url'),
      name: 'Fuzz Customer',
    },
    portOf: (name) => ports[SERVICES.findIndex((service) => service.name === name)]!,
    opsPortOf: (name) => ports[SERVICES.length + SERVICES.findIndex((service) => service.name === name)]!,
  };
  // Every service starts, so the fuzzed ones find what they depend on (auth's JWKS).
  for (const service of SERVICES) {
    const env: Record<string, string> = {};
    if (service.databaseVariable) {
      const database = await createTestDatabase(`fuzz-${service.name}`);
      await (service.migrate?.(database.url) ??
        migrate({
          databaseUrl: database.url,
          migrationsDir: join(ROOT, 'apps', service.name, 'prisma', 'migrations'),
        }));
      env[service.databaseVariable] = database.url;
    }
    log(`starting ${service.name} on 127.0.0.1:${run.portOf(service.name)} ...`);
    await startService(service, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      OTEL_TRACES_EXPORTER: 'none',
      HOST: '127.0.0.1',
      PORT: String(run.portOf(service.name)),
      OPS_PORT: String(run.opsPortOf(service.name)),
      REDIS_URL: run.redisUrl,
      CACHE_KEY_PREFIX: uniqueKeyPrefix(`fuzz-${service.name}`),
      ...env,
      ...service.env(run),
    });
  }
  const token = await accessToken(run, 'login', run.admin, 'the admin');
  const customerToken = await accessToken(run, 'register', run.customer, 'the fuzz customer');

  const failed: string[] = [];
  for (const service of fuzzed) {
    // Customer and admin routes with the admin token, the customer routes again with a customer's; the
    // /internal routes with a service token for this service (which they require: with the admin token
    // they would all answer 403).
    const passes: { label: string; authorization: string; filter: string[]; maxExamples?: number }[] = [
      {
        label: 'public',
        authorization: service.authorization?.(run) ?? `Bearer ${token}`,
        filter: ['--exclude-path-regex', '^/internal/'],
      },
      ...(service.customerExamples === undefined
        ? []
        : [
            {
              label: 'customer',
              authorization: `Bearer ${customerToken}`,
              filter: ['--exclude-path-regex', '^/internal/|/admin/'],
              maxExamples: service.customerExamples,
            },
          ]),
      ...(Object.hasOwn(SERVICE_SCOPES, service.name)
        ? [
            {
              label: 'internal',
              authorization: `Bearer ${await serviceToken(run, service.name)}`,
              filter: ['--include-path-regex', '^/internal/'],
            },
          ]
        : []),
    ];
    for (const pass of passes) {
      const started = Date.now();
      const maxExamples = String(
        Math.min(Number(MAX_EXAMPLES), pass.maxExamples ?? service.maxExamples ?? Infinity),
      );
      log(
        `schemathesis against ${service.name} ${pass.label} (seed ${SEED}, at most ${maxExamples} examples per operation) ...`,
      );
      const args = [
        'run',
        // The public document leaves /internal routes out; the operational listener's has them all.
        service.documentUrl?.(run) ?? `http://127.0.0.1:${run.opsPortOf(service.name)}/openapi.json`,
        ...['--checks', CHECKS.join(','), '--seed', SEED, '--max-examples', maxExamples],
        ...['--generation-database', 'none', '--no-color'],
        // One worker: CPython 3.11's ast.parse is not safe across threads, and schemathesis' worker threads
        // crash in it now and then ("AST constructor recursion depth mismatch").
        ...['--workers', '1'],
        ...pass.filter,
        ...['--header', `Authorization: ${pass.authorization}`],
      ];
      // Run from the log folder, where schemathesis keeps its crash cache (replayed first next time).
      const code = await exec(st, args, LOG_DIR);
      log(
        `${service.name} ${pass.label}: ${code === 0 ? 'no findings' : 'FINDINGS'} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
      if (code !== 0 && !failed.includes(service.name)) {
        failed.push(service.name);
        for (const line of (await errorLines(service.name)).slice(-5)) log(`${service.name} logged: ${line}`);
      }
    }
  }
  // The plain closing line CI reads as a count of tests: here, services fuzzed without a finding.
  process.stdout.write(`fuzz-api: ${fuzzed.length - failed.length} passed, ${failed.length} failed\n`);
  if (failed.length > 0) {
    log(
      `findings in ${failed.join(', ')}: each is listed above with a curl command that reproduces it; ` +
        `the services' logs are in ${LOG_DIR}. Fix the schema or the code, then run npm run fuzz:api again.`,
    );
    return 1;
  }
  log(`no findings in ${fuzzed.map((service) => service.name).join(', ')}`);
  return 0;
}

async function stopEverything(): Promise<void> {
  const exits = children.filter((child) => child.exitCode === null).map((child) => once(child, 'exit'));
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(exits);
  await stopAllServers();
}

try {
  process.exitCode = await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopEverything();
}
