import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  findFreePorts,
  getKafka,
  getRedis,
  startPostgresServer,
  stopAllServers,
  type LocalPostgresServer,
} from '@shop/testing';
import { migrateApps } from './dev/migrate-apps.ts';
import { discoverServices } from './dev/services.ts';
import {
  environmentOf,
  envFromText,
  healthcheckCommand,
  readComposeYaml,
  resolve,
  ROOT,
} from './compose/model.ts';
import type { ComposeFile, ComposeService } from './compose/model.ts';
import { createDatabases, findPsql } from './compose/create-databases.ts';
import { composeSecrets } from './compose/secrets.ts';

// node tools/compose-podman.ts [--tag dev]: runs compose.yaml's app containers with podman (no Docker
// engine, no podman-compose) and the compose file's own settings: each service's environment from
// compose.yaml with a .env generated from .env.example, its user, read-only root, tmpfs, dropped
// capabilities and command; the migrate and seed jobs as containers of the same images; the services in
// depends_on order, each waited for with its own compose health check run inside the container
// (podman exec); then a sign-up and a catalog read through the gateway. The data stores are the test kit's
// on 127.0.0.1 (two PostgreSQL servers initialised by compose/postgres/create-databases.sh, Redis, Kafka),
// and the containers share the host's loopback (--network host), so what differs from compose is only
// where things are: compose hostnames become 127.0.0.1 ports, each app gets free ports (PORT, OPS_PORT)
// and HOST=127.0.0.1, Redis has no password, Kafka a namespace of this run's, tracing is off, and auth
// trusts 127.0.0.1 (the gateway's address here). Needs the images: bash docker/images.sh.
// --jobs-on-host runs the migrate and seed jobs' environments with this checkout's migration runner and
// seed script instead of the images' (to look at the services when an image's job is what is broken).

const { values } = parseArgs({
  options: { tag: { type: 'string', default: 'dev' }, 'jobs-on-host': { type: 'boolean', default: false } },
});
const TAG = values.tag;
const RUN = randomBytes(3).toString('hex');
const READY_TIMEOUT_MS = 180_000;
const JOB_TIMEOUT_MS = 300_000;
const SERVICES = ['auth', 'product', 'payment-sandbox', 'order', 'payment', 'gateway'];
const JOBS = [
  'auth-migrate',
  'product-migrate',
  'payment-migrate',
  'payment-sandbox-migrate',
  'order-migrate',
  'product-seed',
];

const log = (message: string) => process.stderr.write(`[compose-podman] ${message}\n`);
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;

if (!process.env['CONTAINERS_CONF']) {
  // docker/images.sh writes the containers.conf podman needs on these machines (runc, fixed ulimits).
  const conf = join(
    process.env['SHOP_IMAGES_CACHE'] ?? join(homedir(), '.cache', 'shop-images'),
    'containers.conf',
  );
  if (existsSync(conf)) process.env['CONTAINERS_CONF'] = conf;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function podman(args: string[], timeoutMs = 60_000): Promise<Result> {
  return new Promise((done) => {
    const child = spawn('podman', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      done({ code: 127, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const imageOf = (service: ComposeService) => `localhost/${service.image}`;
const containerOf = (name: string) => `shop-compose-${name}-${RUN}`;
const containers: string[] = [];

/** podman run's options for a compose service: its hardening, and `env`. */
function runOptions(service: ComposeService, env: Record<string, string>): string[] {
  // The image's own HEALTHCHECK would need systemd timers here; compose's is run below with podman exec.
  const options = ['--network', 'host', '--log-driver', 'k8s-file', '--no-healthcheck'];
  if (service.user) options.push('--user', service.user);
  if (service.read_only) options.push('--read-only');
  for (const tmpfs of service.tmpfs ?? []) options.push('--tmpfs', tmpfs);
  for (const cap of service.cap_drop ?? []) options.push('--cap-drop', cap);
  for (const opt of (service as { security_opt?: string[] }).security_opt ?? [])
    options.push('--security-opt', opt);
  if ((service as { init?: boolean }).init) options.push('--init');
  const memory = service.deploy?.resources?.limits?.memory;
  if (memory) options.push('--memory', memory.replace(/M$/, 'm').replace(/G$/, 'g'));
  for (const [name, value] of Object.entries(env)) options.push('--env', `${name}=${value}`);
  return options;
}

/** The same URLs with compose's host:port replaced where `hosts` says (credentials and paths kept). */
function relocate(env: Record<string, string>, hosts: Map<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value
        .replace(/(:\/\/(?:[^@/\s,]*@)?)([A-Za-z0-9.-]+:\d+)/g, (whole, prefix: string, host: string) =>
          hosts.has(host) ? `${prefix}${hosts.get(host)}` : whole,
        )
        .replace(/(^|,)([a-z-]+:\d+)(?=,|$)/g, (whole, sep: string, host: string) =>
          hosts.has(host) ? `${sep}${hosts.get(host)}` : whole,
        ),
    ]),
  );
}

/** Services in an order where each comes after everything it depends on. */
function startOrder(model: ComposeFile, names: string[]): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name) || !names.includes(name)) return;
    for (const target of Object.keys(model.services[name]?.depends_on ?? {})) visit(target);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}

async function main(): Promise<void> {
  const envText = (await composeSecrets(await readFile(join(ROOT, '.env.example'), 'utf8'))).text;
  const env = envFromText(envText);
  env.set('SHOP_TAG', TAG);
  const model = resolve(await readComposeYaml('compose.yaml'), env);

  for (const name of SERVICES) {
    const inspect = await podman([
      'image',
      'inspect',
      '--format',
      '{{.Size}}',
      imageOf(model.services[name]!),
    ]);
    if (inspect.code !== 0)
      throw new Error(
        `no image ${imageOf(model.services[name]!)}: build it with bash docker/images.sh ${name}.`,
      );
  }
  log(
    `the images shop/<app>:${TAG} are there; starting PostgreSQL (two servers), Redis and Kafka on 127.0.0.1 ...`,
  );
  const [a, b, redis, kafka, ports] = await Promise.all([
    startPostgresServer(),
    startPostgresServer(),
    getRedis(),
    getKafka(),
    findFreePorts(SERVICES.length * 2),
  ]);
  const servers: Record<string, LocalPostgresServer> = { postgres: a, 'postgres-orders-b': b };

  const psql = findPsql();
  for (const [name, server] of Object.entries(servers)) {
    const result = createDatabases(model, name, server.url, psql);
    if (result.status !== 0) throw new Error(`create-databases.sh on ${name}: ${result.stderr}`);
    log(`${name}: ${result.stdout.trim().split('\n').join('; ')}`);
  }

  const hosts = new Map<string, string>([
    ['postgres:5432', new URL(a.url).host],
    ['postgres-orders-b:5432', new URL(b.url).host],
    ['redis:6379', new URL(redis.url).host],
    ['kafka:9092', kafka.brokers.join(',')],
  ]);
  const shopPorts = new Map((await discoverServices(ROOT)).map((service) => [service.name, service.port]));
  const appPort = new Map<string, [number, number]>();
  SERVICES.forEach((name, i) => {
    const port = ports[i * 2]!;
    const ops = ports[i * 2 + 1]!;
    appPort.set(name, [port, ops]);
    const composePort = Number(environmentOf(model.services[name]!)['PORT'] ?? shopPorts.get(name));
    hosts.set(`${name}:${composePort}`, `127.0.0.1:${port}`);
    hosts.set(`${name}:${composePort + 10_000}`, `127.0.0.1:${ops}`);
  });
  const envFor = (name: string) => {
    const relocated = relocate(environmentOf(model.services[name]!), hosts);
    if (relocated['REDIS_URL']) relocated['REDIS_URL'] = redis.url;
    if (relocated['KAFKA_BROKERS']) relocated['KAFKA_NAMESPACE'] = `compose-${RUN}`;
    if (relocated['TRUST_PROXY']) relocated['TRUST_PROXY'] = '127.0.0.1';
    if (relocated['OTEL_TRACES_EXPORTER']) relocated['OTEL_TRACES_EXPORTER'] = 'none';
    const own = appPort.get(name);
    if (own) Object.assign(relocated, { PORT: String(own[0]), OPS_PORT: String(own[1]), HOST: '127.0.0.1' });
    return relocated;
  };

  for (const job of startOrder(model, JOBS).filter((name) => JOBS.includes(name))) {
    const service = model.services[job]!;
    const command = Array.isArray(service.command) ? service.command : [];
    const t0 = Date.now();
    const app = /^shop\/([a-z-]+):/.exec(service.image ?? '')![1]!;
    if (values['jobs-on-host']) {
      log(`${job}: ${command.join(' ')} of ${app} with its compose environment, on the host ...`);
      if (command[0] === 'migrate') {
        await migrateApps({
          root: ROOT,
          requested: [app],
          env: envFor(job),
          log: (line) => log(`  ${line}`),
        });
      } else {
        const seed = spawnSync(
          process.execPath,
          [join(ROOT, 'apps', app, 'tools', 'seed.ts'), ...command.slice(1)],
          {
            encoding: 'utf8',
            timeout: JOB_TIMEOUT_MS,
            env: { ...process.env, ...envFor(job) },
          },
        );
        if (seed.status !== 0) throw new Error(`${job} exited with ${seed.status}:\n${seed.stderr}`);
      }
      log(`${job}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      continue;
    }
    log(`${job}: podman run ${service.image} ${command.join(' ')} ...`);
    const result = await podman(
      ['run', '--rm', ...runOptions(service, envFor(job)), imageOf(service), ...command],
      JOB_TIMEOUT_MS,
    );
    if (result.code !== 0)
      throw new Error(`${job} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
    const last = `${result.stderr}${result.stdout}`
      .split('\n')
      .filter((l) => l.trim() && !l.includes('level=error'))
      .slice(-2);
    log(`${job}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${last.join(' | ')}`);
  }

  for (const name of startOrder(model, SERVICES)) {
    const service = model.services[name]!;
    const container = containerOf(name);
    const t0 = Date.now();
    const run = await podman([
      'run',
      '-d',
      '--name',
      container,
      ...runOptions(service, envFor(name)),
      imageOf(service),
    ]);
    if (run.code !== 0) throw new Error(`starting ${name}: ${run.stderr}`);
    containers.push(container);
    // The compose health check, run where compose runs it: inside the container, on the app's own port.
    const [, ...check] = healthcheckCommand(service)!;
    const composePort = /127\.0\.0\.1:(\d+)/.exec(check.join(' '))![1]!;
    const probe = check.map((arg) =>
      arg.replace(`127.0.0.1:${composePort}`, `127.0.0.1:${appPort.get(name)![0]}`),
    );
    let healthy = false;
    while (!healthy && Date.now() - t0 < READY_TIMEOUT_MS) {
      healthy = (await podman(['exec', container, ...probe], 10_000)).code === 0;
      if (!healthy) {
        const state = await podman(['inspect', '--format', '{{.State.Status}}', container]);
        if (state.stdout.trim() === 'exited') break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (!healthy) {
      const logs = await podman(['logs', '--tail', '40', container]);
      throw new Error(
        `${name} did not pass its compose health check within ${READY_TIMEOUT_MS / 1000}s; its log:\n${logs.stdout}${logs.stderr}`,
      );
    }
    log(
      `${name}: healthy (its compose health check, in the container) ${((Date.now() - t0) / 1000).toFixed(1)}s after podman run`,
    );
  }

  const gateway = `http://127.0.0.1:${appPort.get('gateway')![0]}`;
  const catalog = await fetch(`${gateway}/api/v1/products?limit=1`);
  const signUp = await fetch(`${gateway}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `compose-${RUN}@shop.example`,
      password: 'a compose podman passphrase',
      name: 'Compose',
    }),
  });
  const items = ((await catalog.json()) as { items?: unknown[] }).items ?? [];
  log(
    `through the gateway: GET /api/v1/products -> ${catalog.status} (${items.length} item), POST /api/v1/auth/register -> ${signUp.status}`,
  );
  if (catalog.status !== 200 || items.length !== 1 || signUp.status !== 201)
    throw new Error('the gateway did not serve the catalog and a sign-up');
  log(`all ${SERVICES.length} services ran from compose.yaml's settings in ${seconds()}`);
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  for (const container of containers.reverse()) await podman(['rm', '-f', '-t', '20', container], 60_000);
  await stopAllServers();
}
process.exit(failed ? 1 : 0);
