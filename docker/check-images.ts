import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICE_CALLS } from '@shop/contracts';
import {
  createTestDatabase,
  createTestSigningKey,
  findFreePorts,
  getKafka,
  getRedis,
  stopAllServers,
  uniqueKeyPrefix,
  type TestDatabase,
} from '@shop/testing';

// node docker/check-images.ts [--readme] [app ...]: runs each image built by docker/images.sh as production
// runs it, against real PostgreSQL, Redis and Kafka started on 127.0.0.1 by the test kit: every
// container with --network host --read-only --tmpfs /tmp --user 10001:10001 and the production environment
// its config requires (NODE_ENV is the image's default, production). It applies each database's
// migrations with the image's own `migrate` job (the order's 16 shards over two databases), seeds the
// catalog with product's `seed` job, starts the six services, and checks for each: /health and /ready
// answer 200 on both ports, the process runs as uid 10001, the root filesystem refuses writes while /tmp
// takes them, and `podman stop -t 10` drains (the log says so) and exits 0 within a few seconds. One
// customer registers and logs in through the gateway container, which proves the services' environment
// fits together. The storefront's image (nginx, docker/web.Dockerfile) runs the same way on port 3000, in
// front of the gateway container: the page, its hashed assets, client routes and /api through it. Prints a
// table (size, cold start, stop time); --readme also writes it into docker/README.md.

const ROOT = join(import.meta.dirname, '..');
const APPS = ['auth', 'product', 'payment-sandbox', 'order', 'payment', 'gateway'] as const;
type App = (typeof APPS)[number];
/** The storefront's nginx listens where compose and the k8s base expect it (apps/web/nginx.conf). */
const WEB_PORT = 3000;
const WEB_IMAGE = 'localhost/shop/web:dev';
const ISSUER = 'https://auth.shop.local';
const AUDIENCE = 'shop-api';
const SHARD_MAP = 'a:0-7,b:8-15';
const READY_TIMEOUT_MS = 90_000;
const STOP_LIMIT_MS = 8_000;
const PODMAN_TIMEOUT_MS = 120_000;
const README = join(ROOT, 'docker', 'README.md');
const TABLE_START = '<!-- images-table:start -->';
const TABLE_END = '<!-- images-table:end -->';

function log(message: string): void {
  process.stderr.write(`[check-images] ${message}\n`);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs podman with a time limit; never throws on a non-zero exit (the caller says what it means). */
function podman(args: string[], timeoutMs = PODMAN_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve) => {
    execFile('podman', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function podmanOk(args: string[], what: string, timeoutMs?: number): Promise<string> {
  const run = await podman(args, timeoutMs);
  if (run.code !== 0) {
    throw new Error(
      `${what} failed (podman ${args.slice(0, 2).join(' ')} ... exited ${run.code}):\n${run.stderr}${run.stdout}`,
    );
  }
  return run.stdout;
}

/** A client secret and its argon2id hash, from auth's own tool (npm run auth:client-secret). */
async function clientSecret(
  clientId: string,
): Promise<{ SERVICE_CLIENT_SECRET: string; secretHash: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'apps', 'auth', 'src', 'client-secret.ts'), clientId], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(`apps/auth/src/client-secret.ts ${clientId} exited ${code}: run it to see why.`);
  return JSON.parse(out) as { SERVICE_CLIENT_SECRET: string; secretHash: string };
}

// Podman schedules HEALTHCHECKs with systemd timers and says so on every run where there is no systemd
// (this check runs them itself, with podman healthcheck run).
const withoutPodmanNoise = (output: string): string =>
  output
    .split('\n')
    .filter((line) => !line.includes('unable to get systemd connection'))
    .join('\n')
    .trim();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(url: string): Promise<number | string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Polls `url` until it answers 200, the container `name` exits, or `deadline` passes; then throws with the
 * last answer and the container's log.
 */
async function untilAnswers(name: string, url: string, deadline: number, what: string): Promise<void> {
  let last: number | string = 'no answer';
  while (Date.now() < deadline) {
    last = await status(url);
    if (last === 200) return;
    const state = await podman(['inspect', '--format', '{{.State.Status}}', name]);
    if (state.stdout.trim() === 'exited') break;
    await sleep(100);
  }
  const logs = await podman(['logs', '--tail', '30', name]);
  throw new Error(
    `${what}: ${new URL(url).pathname} was not 200 in time (last: ${last}); its log:\n${logs.stdout}${logs.stderr}`,
  );
}

interface Figures {
  app: App | 'web';
  sizeMb: number;
  coldStartMs: number;
  stopMs: number;
}

const { values, positionals } = parseArgs({
  options: { readme: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const unknown = positionals.filter((name) => name !== 'web' && !(APPS as readonly string[]).includes(name));
if (unknown.length > 0) {
  log(`unknown app(s) ${unknown.join(', ')}; choose from ${APPS.join(', ')}.`);
  process.exit(2);
}
// The services depend on each other (JWKS from auth, prices from product, ...): all six always start;
// the positional apps only narrow which images must exist, for a quicker look at one.
const run = randomUUID().slice(0, 8);
const containerOf = (app: App) => `shop-check-${app}-${run}`;
const imageOf = (app: App) => `localhost/shop/${app}:dev`;
const started: string[] = [];
const databases: TestDatabase[] = [];
const figures = new Map<App | 'web', Partial<Figures>>();
const failures: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

function check(app: App | 'web', ok: boolean, what: string): void {
  if (ok) log(`  ${app}: ${what}: ok`);
  else {
    log(`  ${app}: ${what}: FAILED`);
    failures.push(`${app}: ${what}`);
  }
}

const containerArgs = (env: Record<string, string>) => [
  '--network',
  'host',
  '--read-only',
  '--tmpfs',
  '/tmp:rw,size=64m,mode=1777',
  '--user',
  '10001:10001',
  ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]),
];

async function job(app: App, env: Record<string, string>, args: string[]): Promise<void> {
  const t0 = Date.now();
  // No HEALTHCHECK for a one-shot job.
  const result = await podman(
    ['run', '--rm', '--health-cmd', 'none', ...containerArgs(env), imageOf(app), ...args],
    300_000,
  );
  const lastLines = withoutPodmanNoise(`${result.stderr}${result.stdout}`).split('\n').slice(-2).join(' | ');
  check(app, result.code === 0, `job "${args.join(' ')}" exits 0 (${Date.now() - t0} ms; ${lastLines})`);
  if (result.code !== 0) log(withoutPodmanNoise(`${result.stderr}${result.stdout}`));
}

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these request headers and the answer as it came (fetch would undo the gzip). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers, timeout: 5_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    request.on('error', reject);
  });
}

/** The web container binds the host's port 3000 (host networking, as for every image here). */
async function portIsFree(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is taken (npm start's page?): the storefront's image listens there; stop what holds it (ss -ltnp 'sport = :${port}') and rerun.`
            : `cannot listen on port ${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, '0.0.0.0', () => resolve());
  });
  await new Promise((resolve) => server.close(resolve));
}

/**
 * The storefront's image in front of the gateway container: the shipped nginx configuration, with only the
 * gateway's address replaced (the one-line upstream file the image documents for that).
 */
async function checkWeb(gatewayUrl: string): Promise<void> {
  log('the storefront image (nginx) in front of the gateway container ...');
  const dir = await mkdtemp(join(tmpdir(), 'shop-check-web-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const upstream = join(dir, 'upstream.conf');
  await writeFile(upstream, `server ${new URL(gatewayUrl).host};\n`, { mode: 0o644 });
  const name = `shop-check-web-${run}`;
  const url = `http://127.0.0.1:${WEB_PORT}`;
  const t0 = Date.now();
  await podmanOk(
    [
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      '--read-only',
      '--tmpfs',
      '/tmp:rw,size=16m,mode=1777',
      '--user',
      '10001:10001',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '-v',
      `${upstream}:/etc/nginx/shop/upstream.conf:ro`,
      WEB_IMAGE,
    ],
    'starting web',
  );
  started.push(name);
  await untilAnswers(name, `${url}/healthz`, t0 + 30_000, 'web');
  figures.get('web')!.coldStartMs = Date.now() - t0;
  log(`web: /healthz 200 ${Date.now() - t0} ms after podman run`);

  const page = await rawGet(`${url}/`);
  const html = page.body.toString('utf8');
  const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  check(
    'web',
    page.status === 200 &&
      String(page.headers['content-type']).startsWith('text/html') &&
      script !== undefined,
    `GET / answers the page with a hashed script (${page.status}, ${page.headers['content-type']}, ${script ?? 'no script'})`,
  );
  check(
    'web',
    page.headers['cache-control'] === 'no-cache' &&
      String(page.headers['content-security-policy']).includes("script-src 'self'"),
    `the page is revalidated on every visit and carries its CSP (cache-control: ${page.headers['cache-control']})`,
  );
  if (script !== undefined) {
    const asset = await rawGet(`${url}${script}`, { 'accept-encoding': 'gzip' });
    check(
      'web',
      asset.status === 200 &&
        String(asset.headers['cache-control']).includes('immutable') &&
        asset.headers['content-encoding'] === 'gzip',
      `GET ${script} answers gzip, cached for a year (${asset.status}, ${asset.headers['content-encoding']}, ${asset.headers['cache-control']})`,
    );
  }
  const route = await rawGet(`${url}/products/any-product?sort=price`);
  check(
    'web',
    route.status === 200 && route.body.toString('utf8') === html,
    `a client route (/products/any-product) answers the page itself (${route.status})`,
  );
  const missing = await rawGet(`${url}/assets/not-there.js`);
  check('web', missing.status === 404, `a missing asset is 404, not the page (${missing.status})`);
  const products = await rawGet(`${url}/api/v1/products?limit=2`);
  const listed = (JSON.parse(products.body.toString('utf8') || '{}') as { items?: unknown[] }).items ?? [];
  check(
    'web',
    products.status === 200 && listed.length > 0 && products.headers['x-request-id'] !== undefined,
    `GET /api/v1/products through the storefront reaches the gateway (${products.status}, ${listed.length} items)`,
  );
  const jwks = await rawGet(`${url}/.well-known/jwks.json`);
  check('web', jwks.status === 200, `GET /.well-known/jwks.json through the storefront (${jwks.status})`);
  const top = (await podmanOk(['top', name, 'user', 'huser', 'args'], 'podman top web')).trim().split('\n');
  const processes = top.slice(1).map((line) => line.trim().split(/\s+/));
  check(
    'web',
    processes.length >= 2 && processes.every(([inside]) => inside === '10001'),
    `nginx's master and worker run as uid 10001 (podman top: ${processes.map((p) => p.join(' ')).join('; ')})`,
  );
  const readOnly = (
    await podmanOk(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', name], 'inspect')
  ).trim();
  check('web', readOnly === 'true', 'runs with a read-only root filesystem (it writes only /tmp)');

  const stopStarted = Date.now();
  await podmanOk(['stop', '-t', '10', name], 'podman stop web', 30_000);
  const stopMs = Date.now() - stopStarted;
  figures.get('web')!.stopMs = stopMs;
  const exitCode = (await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', name], 'inspect')).trim();
  const logs = await podman(['logs', name]);
  check('web', stopMs < STOP_LIMIT_MS, `podman stop returned in ${stopMs} ms (limit ${STOP_LIMIT_MS} ms)`);
  check('web', exitCode === '0', `nginx stopped gracefully (SIGQUIT) with exit code 0 (got ${exitCode})`);
  check(
    'web',
    /"GET \/api\/v1\/products\?limit=2 HTTP\/1\.1" 200/.test(logs.stdout),
    'the access log goes to stdout',
  );
}

try {
  for (const app of APPS) {
    const inspect = await podman(['image', 'inspect', '--format', '{{.Size}}', imageOf(app)]);
    if (inspect.code !== 0)
      throw new Error(`no image ${imageOf(app)}: build it with bash docker/images.sh ${app}.`);
    figures.set(app, { app, sizeMb: Number(inspect.stdout.trim()) / 1_000_000 });
  }
  const webInspect = await podman(['image', 'inspect', '--format', '{{.Size}}', WEB_IMAGE]);
  if (webInspect.code !== 0)
    throw new Error(`no image ${WEB_IMAGE}: build it with bash docker/images.sh web.`);
  figures.set('web', { app: 'web', sizeMb: Number(webInspect.stdout.trim()) / 1_000_000 });
  await portIsFree(WEB_PORT);

  log('starting PostgreSQL, Redis and Kafka on 127.0.0.1 (test kit), client secrets, a signing key ...');
  const [redis, kafka, ports, secrets, signingKey, dbs] = await Promise.all([
    getRedis(),
    getKafka(),
    findFreePorts(APPS.length * 2),
    Promise.all(['order', 'payment'].map(clientSecret)),
    createTestSigningKey({ issuer: ISSUER, audience: AUDIENCE }),
    Promise.all(
      ['img-auth', 'img-product', 'img-payment', 'img-sandbox', 'img-order-a', 'img-order-b'].map((label) =>
        createTestDatabase(label),
      ),
    ),
  ]);
  databases.push(...dbs);
  const [authDb, productDb, paymentDb, sandboxDb, orderA, orderB] = dbs as [
    TestDatabase,
    TestDatabase,
    TestDatabase,
    TestDatabase,
    TestDatabase,
    TestDatabase,
  ];
  const [orderClient, paymentClient] = secrets as [
    { SERVICE_CLIENT_SECRET: string; secretHash: string },
    { SERVICE_CLIENT_SECRET: string; secretHash: string },
  ];
  const portOf = (app: App) => ports[APPS.indexOf(app) * 2]!;
  const opsPortOf = (app: App) => ports[APPS.indexOf(app) * 2 + 1]!;
  const urlOf = (app: App) => `http://127.0.0.1:${portOf(app)}`;
  const sandbox = {
    apiKey: `sk_test_img_${randomBytes(18).toString('base64url')}`,
    webhookSecret: `whsec_img_${randomBytes(18).toString('base64url')}`,
  };
  // Over plain http on loopback: AUTH_JWKS_INSECURE_MESH stands for the mesh that encrypts this hop in
  // production (without it, production rightly refuses a non-https JWKS).
  const jwks = {
    AUTH_JWKS_URL: `${urlOf('auth')}/.well-known/jwks.json`,
    AUTH_JWKS_INSECURE_MESH: 'true',
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
  };
  const kafkaEnv = {
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_NAMESPACE: `img-${run}`,
    KAFKA_TOPIC_PARTITIONS: '1',
  };
  const tokenUrl = { AUTH_TOKEN_URL: `${urlOf('auth')}/api/v1/auth/oauth/token` };
  const shards = {
    ORDER_SHARD_SERVERS: `a=${orderA.url},b=${orderB.url}`,
    ORDER_SHARD_DIRECTORY_URL: orderA.url,
  };
  const envOf: Record<App, Record<string, string>> = {
    auth: {
      AUTH_DATABASE_URL: authDb.url,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_SIGNING_KEYS: JSON.stringify([signingKey.privateJwk]),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: uniqueKeyPrefix('img-auth'),
      TRUST_PROXY: '127.0.0.1',
      SERVICE_CLIENTS: JSON.stringify([
        { id: 'order', secretHashes: [orderClient.secretHash], scopes: SERVICE_CALLS.order },
        { id: 'payment', secretHashes: [paymentClient.secretHash], scopes: SERVICE_CALLS.payment },
      ]),
    },
    product: {
      PRODUCT_DATABASE_URL: productDb.url,
      ...jwks,
      ...kafkaEnv,
      REDIS_URL: redis.url,
      CACHE_KEY_PREFIX: uniqueKeyPrefix('img-product'),
    },
    'payment-sandbox': {
      PAYMENT_SANDBOX_DATABASE_URL: sandboxDb.url,
      SANDBOX_API_KEY: sandbox.apiKey,
      SANDBOX_WEBHOOK_SECRET: sandbox.webhookSecret,
      SANDBOX_WEBHOOK_URL: `${urlOf('gateway')}/api/v1/payments/webhooks/sandbox`,
    },
    order: {
      ORDER_DATABASE_URL: orderA.url,
      ...shards,
      ...jwks,
      ...kafkaEnv,
      REDIS_URL: redis.url,
      CART_KEY_PREFIX: uniqueKeyPrefix('img-cart'),
      PRODUCT_SERVICE_URL: urlOf('product'),
      ...tokenUrl,
      SERVICE_CLIENT_SECRET: orderClient.SERVICE_CLIENT_SECRET,
    },
    payment: {
      PAYMENT_DATABASE_URL: paymentDb.url,
      ...jwks,
      ...kafkaEnv,
      ORDER_SERVICE_URL: urlOf('order'),
      ...tokenUrl,
      SERVICE_CLIENT_SECRET: paymentClient.SERVICE_CLIENT_SECRET,
      PAYMENT_PROVIDER_URL: urlOf('payment-sandbox'),
      PAYMENT_PROVIDER_API_KEY: sandbox.apiKey,
      PAYMENT_PROVIDER_WEBHOOK_SECRET: sandbox.webhookSecret,
    },
    gateway: {
      AUTH_SERVICE_URL: urlOf('auth'),
      PRODUCT_SERVICE_URL: urlOf('product'),
      ORDER_SERVICE_URL: urlOf('order'),
      PAYMENT_SERVICE_URL: urlOf('payment'),
      ...jwks,
      REDIS_URL: redis.url,
      RATE_LIMIT_KEY_PREFIX: uniqueKeyPrefix('img-rate'),
    },
  };

  log('migrations, with each image\'s own "migrate" job ...');
  await Promise.all([
    job('auth', { AUTH_DATABASE_URL: authDb.url }, ['migrate']),
    job('product', { PRODUCT_DATABASE_URL: productDb.url }, ['migrate']),
    job('payment', { PAYMENT_DATABASE_URL: paymentDb.url }, ['migrate']),
    job('payment-sandbox', { PAYMENT_SANDBOX_DATABASE_URL: sandboxDb.url }, ['migrate']),
    job('order', { ...shards, ORDER_SHARD_INITIAL_MAP: SHARD_MAP }, ['migrate']),
    job('gateway', {}, ['migrate']),
  ]);
  log('the demo catalog, with product\'s "seed" job ...');
  await job('product', { PRODUCT_DATABASE_URL: productDb.url }, ['seed', '--count', '200']);
  if (failures.length > 0) throw new Error(`jobs failed: ${failures.join('; ')}`);

  const start = async (app: App) => {
    const name = containerOf(app);
    const env = { ...envOf[app], PORT: String(portOf(app)), OPS_PORT: String(opsPortOf(app)) };
    const t0 = Date.now();
    await podmanOk(['run', '-d', '--name', name, ...containerArgs(env), imageOf(app)], `starting ${app}`);
    started.push(name);
    await untilAnswers(name, `${urlOf(app)}/ready`, t0 + READY_TIMEOUT_MS, app);
    const coldStartMs = Date.now() - t0;
    figures.get(app)!.coldStartMs = coldStartMs;
    log(`${app}: /ready 200 ${coldStartMs} ms after podman run`);
  };
  log('starting the six services as containers (auth first: the others need its JWKS) ...');
  await start('auth');
  await start('product');
  await start('payment-sandbox');
  await start('order');
  await start('payment');
  await start('gateway');

  for (const app of APPS) {
    const name = containerOf(app);
    for (const [port, which] of [
      [portOf(app), 'port'],
      [opsPortOf(app), 'operational port'],
    ] as const) {
      for (const path of ['/health', '/ready']) {
        const answer = await status(`http://127.0.0.1:${port}${path}`);
        check(app, answer === 200, `GET ${path} on its ${which} answers 200 (got ${answer})`);
      }
    }
    const user = (await podmanOk(['top', name, 'user', 'huser', 'args'], `podman top ${app}`))
      .trim()
      .split('\n');
    const processes = user.slice(1).map((line) => line.trim().split(/\s+/));
    check(
      app,
      processes.length > 0 && processes.every(([inside]) => inside === '10001'),
      `every process runs as uid 10001 (podman top: ${processes.map((p) => p.join(' ')).join('; ')})`,
    );
    const readOnly = (
      await podmanOk(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', name], 'inspect')
    ).trim();
    const write = (path: string) =>
      podman([
        'exec',
        name,
        '/usr/local/bin/node',
        '-e',
        `require('node:fs').writeFileSync(${JSON.stringify(path)}, 'x')`,
      ]);
    const [root, tmp] = await Promise.all([
      write('/app/written-at-run-time'),
      write('/tmp/written-at-run-time'),
    ]);
    check(
      app,
      readOnly === 'true' && root.code !== 0 && /EROFS/.test(root.stderr),
      'the root filesystem refuses writes (EROFS)',
    );
    check(app, tmp.code === 0, '/tmp (tmpfs) takes writes');
    const health = await podman(['healthcheck', 'run', name]);
    check(
      app,
      health.code === 0,
      `the image's HEALTHCHECK passes (${(health.stdout + health.stderr).trim() || 'healthy'})`,
    );
  }

  log('one customer through the gateway container: register, then log in ...');
  const email = `img-${run}@example.com`;
  const password = 'a passphrase for the image check';
  const register = await fetch(`${urlOf('gateway')}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: 'Image Check' }),
  });
  check(
    'gateway',
    register.status === 201,
    `POST /api/v1/auth/register through the gateway answers 201 (got ${register.status} ${register.status === 201 ? '' : await register.text()})`,
  );
  const login = await fetch(`${urlOf('gateway')}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const loginBody = (await login.json().catch(() => ({}))) as { accessToken?: string; access_token?: string };
  check(
    'gateway',
    login.status === 200 && Boolean(loginBody.accessToken ?? loginBody.access_token),
    `POST /api/v1/auth/login through the gateway answers 200 with an access token (got ${login.status})`,
  );
  const products = await fetch(`${urlOf('gateway')}/api/v1/products?limit=5`);
  const productsBody = (await products.json().catch(() => ({}))) as { items?: unknown[]; data?: unknown[] };
  const listed = (productsBody.items ?? productsBody.data ?? []).length;
  check(
    'gateway',
    products.status === 200 && listed > 0,
    `GET /api/v1/products through the gateway lists the seeded catalog (${products.status}, ${listed} items)`,
  );

  await checkWeb(urlOf('gateway'));

  log('stopping each container with podman stop -t 10 (gateway first) ...');
  for (const app of [...APPS].reverse()) {
    const name = containerOf(app);
    const t0 = Date.now();
    await podmanOk(['stop', '-t', '10', name], `podman stop ${app}`, 30_000);
    const stopMs = Date.now() - t0;
    figures.get(app)!.stopMs = stopMs;
    const exitCode = (await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', name], 'inspect')).trim();
    const logs = await podman(['logs', name]);
    const output = `${logs.stdout}${logs.stderr}`;
    check(app, stopMs < STOP_LIMIT_MS, `podman stop returned in ${stopMs} ms (limit ${STOP_LIMIT_MS} ms)`);
    check(app, exitCode === '0', `exited with code 0 (got ${exitCode})`);
    check(
      app,
      output.includes('shutting down: draining') && output.includes('shut down cleanly'),
      'its log shows the drain ("shutting down: draining" ... "shut down cleanly")',
    );
  }

  const rows = [...APPS, 'web' as const].map((app) => figures.get(app)!);
  const table = [
    '| image | size (MB) | cold start to /ready 200 (ms) | podman stop (ms) |',
    '| ----- | --------: | ----------------------------: | ---------------: |',
    ...rows.map(
      (row) =>
        `| shop/${row.app}:dev | ${row.sizeMb!.toFixed(1)} | ${row.coldStartMs ?? '-'} | ${row.stopMs ?? '-'} |`,
    ),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (values.readme && failures.length === 0) {
    const readme = await readFile(README, 'utf8');
    const from = readme.indexOf(TABLE_START);
    const to = readme.indexOf(TABLE_END);
    if (from < 0 || to < from)
      throw new Error(`docker/README.md lacks the ${TABLE_START} ... ${TABLE_END} markers.`);
    const stamp = `Measured by \`bash docker/images.sh\` on ${new Date().toISOString().slice(0, 10)} (podman ${(await podmanOk(['--version'], 'podman --version')).trim().split(' ').at(-1)}, ${process.arch}, ${(await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).split('\n').filter((line) => line.startsWith('processor')).length || '?'} cores, other work running).`;
    await writeFile(
      README,
      `${readme.slice(0, from + TABLE_START.length)}\n\n${table}\n\n${stamp}\n\n${readme.slice(to)}`,
    );
    log('wrote the table into docker/README.md');
  }
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  if (started.length > 0) await podman(['rm', '-f', '-t', '2', ...started], 60_000);
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
  await Promise.allSettled(databases.map((db) => db.drop()));
  await stopAllServers();
}

if (failures.length > 0) {
  log(`FAILED (${failures.length}):\n  - ${failures.join('\n  - ')}`);
  log(
    'Each line says what did not hold; podman logs of a failed start are printed above. Rerun with bash docker/images.sh.',
  );
  process.exitCode = 1;
} else {
  log('every image passed.');
}
