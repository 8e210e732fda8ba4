import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { migrate } from '@shop/database';
import { migrateShards, parseShardServers } from '@shop/sharding';
import { ensureDatabase, type DevPostgres } from './dev/databases.ts';
import { devPostgresDir } from './dev/embedded-postgres.ts';
import { discoverServices, type DevService } from './dev/services.ts';

// npm start: runs every service on this machine. With AUTH_DATABASE_URL etc. (or DATABASE_URL) set it
// uses those servers; otherwise it starts an embedded PostgreSQL whose data persists in .cache/dev (or
// DEV_DATA_DIR).
// Without REDIS_URL / KAFKA_BROKERS the services use their in-process stand-ins.

const ROOT = join(import.meta.dirname, '..');
const POSTGRES_PORT = Number(process.env['DEV_POSTGRES_PORT'] ?? 54329);
const STOP_TIMEOUT_MS = 20_000;
// After Ctrl-C (which the services receive from the terminal too), a service still running this long
// later is sent SIGTERM, in case the SIGINT reached npm start alone.
const SIGINT_GRACE_MS = 5_000;

const log = (message: string) => process.stderr.write(`[start] ${message}\n`);

// A customer with a known password, for trying the shop by hand (the development admin is auth's own).
const DEMO_CUSTOMER = {
  email: 'customer@shop.local',
  password: 'customer-dev-password',
  name: 'Demo Customer',
};

/** Registers the demo customer through the gateway, as a shopper would; already there (409) is fine. */
async function ensureDemoCustomer(gatewayUrl: string): Promise<void> {
  const response = await fetch(`${gatewayUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO_CUSTOMER),
  }).catch((error: unknown) => error as Error);
  if (response instanceof Error || (response.status !== 201 && response.status !== 409)) {
    const why = response instanceof Error ? response.message : `answered ${response.status}`;
    log(`registering the demo customer ${why}; register one yourself at POST /api/v1/auth/register.`);
  }
}

function run(command: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [command, ...args], { cwd: ROOT, stdio: 'inherit' });
  return once(child, 'exit').then(([code]) => {
    if (code !== 0)
      throw new Error(`${command} exited with ${code}; fix the error above and run npm start again.`);
  });
}

async function databaseUrlFor(
  service: DevService,
  postgres: () => Promise<DevPostgres>,
): Promise<string | undefined> {
  if (!service.database) return undefined;
  const configured = process.env[service.database.variable] || process.env['DATABASE_URL'];
  if (configured) return configured;
  return (await postgres()).database(service.database.name);
}

function startService(service: DevService, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'apps', service.name, 'src', 'main.ts')], {
    cwd: join(ROOT, 'apps', service.name),
    env: {
      ...process.env,
      NODE_ENV: process.env['NODE_ENV'] ?? 'development',
      // No collector runs by default; set OTEL_TRACES_EXPORTER=otlp with Jaeger up (docker compose) to trace.
      OTEL_TRACES_EXPORTER: process.env['OTEL_TRACES_EXPORTER'] ?? 'none',
      PORT: String(service.port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = service.name.padEnd(15);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`${label}| ${line}\n`));
  }
  return child;
}

const WEB_PORT = 3000;

/** The storefront's Vite dev server (apps/web/vite.config.ts): the page on :3000, /api proxied to the gateway. */
function startStorefront(gatewayUrl: string): ChildProcess {
  // Wherever npm placed vite (hoisted or under apps/web/node_modules), as apps/web resolves it.
  const vitePackage = createRequire(join(ROOT, 'apps', 'web', 'package.json')).resolve('vite/package.json');
  const child = spawn(process.execPath, [join(dirname(vitePackage), 'bin', 'vite.js')], {
    cwd: join(ROOT, 'apps', 'web'),
    env: { ...process.env, GATEWAY_URL: gatewayUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = 'web'.padEnd(15);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`${label}| ${line}\n`));
  }
  return child;
}

async function waitForStorefront(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `the storefront (vite) exited with ${child.exitCode}; see its log above (port ${WEB_PORT} taken?).`,
      );
    const up = await fetch(`http://127.0.0.1:${WEB_PORT}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the storefront was not up on port ${WEB_PORT} within 60 s; see its log above.`);
}

async function waitUntilReady(service: DevService, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${service.name} exited with ${child.exitCode} while starting; see its log above.`);
    const ready = await fetch(`http://127.0.0.1:${service.port}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service.name} was not ready on port ${service.port} within 60 s; see its log above.`);
}

/**
 * Starts the embedded PostgreSQL through tools/dev/postgres-host.ts in a process group of its own, so it
 * outlives the services' shutdown after Ctrl-C; stop() closes the host's stdin and waits for it.
 */
async function hostEmbeddedPostgres(dataDir: string, port: number): Promise<DevPostgres> {
  const host = spawn(
    process.execPath,
    [join(ROOT, 'tools', 'dev', 'postgres-host.ts'), dataDir, String(port)],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = once(host, 'exit');
  const lines = createInterface({ input: host.stdout! });
  const announced = once(lines, 'line').then(([line]) => JSON.parse(String(line)) as { url: string });
  const first = await Promise.race([announced, exited.then(() => undefined)]);
  if (first === undefined) {
    throw new Error(
      `the embedded PostgreSQL did not start (exit ${host.exitCode}); see its messages above, or set DATABASE_URL to a running server.`,
    );
  }
  return {
    url: first.url,
    database: (name) => ensureDatabase(first.url, name),
    stop: async () => {
      host.stdin!.end();
      await exited;
    },
  };
}

// Every process npm start runs, with its name for the message when one exits on its own.
const children = new Map<ChildProcess, string>();
// Set once npm start is stopping: the exits it asked for are not failures.
let stopping = false;

async function main(): Promise<void> {
  const services = await discoverServices(ROOT);
  if (services.length === 0) {
    throw new Error(
      'no apps/*/package.json has a "shop" block, so there is nothing to start; add one (see tools/dev/services.ts).',
    );
  }
  log('generating Prisma clients (skipped when up to date) ...');
  await run(join(ROOT, 'tools', 'prisma-generate.ts'), []);

  let postgres: Promise<DevPostgres> | undefined;
  const embeddedPostgres = () => {
    postgres ??= (async () => {
      log(`starting embedded PostgreSQL on 127.0.0.1:${POSTGRES_PORT} ...`);
      const server = await hostEmbeddedPostgres(devPostgresDir(ROOT), POSTGRES_PORT);
      log('PostgreSQL is up');
      return server;
    })();
    return postgres;
  };

  // The services stop first, while their database is still up; then the database.
  const stopAll = async (signal: NodeJS.Signals) => {
    stopping = true;
    log(`stopping (${signal}) ...`);
    const running = [...children.keys()].filter((c) => c.exitCode === null && c.signalCode === null);
    const exits = running.map((c) => once(c, 'exit'));
    // Ctrl-C reached the services as well; a second signal would cut their drain short.
    if (signal === 'SIGINT') {
      setTimeout(
        () => running.forEach((c) => c.exitCode === null && c.kill('SIGTERM')),
        SIGINT_GRACE_MS,
      ).unref();
    } else {
      running.forEach((c) => c.kill('SIGTERM'));
    }
    const timer = setTimeout(() => children.forEach((_, c) => c.kill('SIGKILL')), STOP_TIMEOUT_MS).unref();
    await Promise.all(exits);
    clearTimeout(timer);
    if (postgres) {
      log('stopping PostgreSQL ...');
      await (await postgres).stop();
    }
    log('stopped');
    process.exit(0);
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);

  // Without Kafka every service must share one stand-in bus, so they get one database for it.
  const eventBusUrl =
    process.env['KAFKA_BROKERS'] || process.env['EVENT_BUS_DATABASE_URL']
      ? process.env['EVENT_BUS_DATABASE_URL']
      : await (await embeddedPostgres()).database('shop_events');

  for (const service of services) {
    const databaseUrl = await databaseUrlFor(service, embeddedPostgres);
    const env: Record<string, string> = { ...service.env };
    if (databaseUrl && service.database && service.sharded) {
      // Unless servers are configured, every shard is a schema of the service's one database, which also
      // holds the shard map.
      const { sharded } = service;
      const servers = process.env[sharded.servers] || `a=${databaseUrl}`;
      const directoryUrl = process.env[sharded.directory] || databaseUrl;
      log(`migrating the ${sharded.count} shards of ${service.name} ...`);
      const results = await migrateShards({
        servers: parseShardServers(servers, sharded.servers),
        directoryUrl,
        shardCount: sharded.count,
        schemaPrefix: sharded.schemaPrefix,
        migrationsDir: join(ROOT, 'apps', service.name, 'prisma', 'migrations'),
        logger: { info: () => undefined, warn: (message) => log(`${service.name}: ${message}`) },
      });
      const applied = results.reduce((sum, result) => sum + result.applied.length, 0);
      log(`${service.name}: ${results.length} shards migrated, ${applied} migration(s) applied`);
      env[sharded.servers] = servers;
      env[sharded.directory] = directoryUrl;
      env[service.database.variable] = databaseUrl;
    } else if (databaseUrl && service.database) {
      log(`migrating the ${service.name} database ...`);
      const result = await migrate({
        databaseUrl,
        migrationsDir: join(ROOT, 'apps', service.name, 'prisma', 'migrations'),
      });
      log(
        `${service.name}: ${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already there`,
      );
      env[service.database.variable] = databaseUrl;
      if (service.seedWhenEmpty) {
        await run(join(ROOT, 'apps', service.name, 'tools', 'seed.ts'), [
          '--if-empty',
          '--database-url',
          databaseUrl,
        ]);
      }
    }
    if (eventBusUrl) env['EVENT_BUS_DATABASE_URL'] = eventBusUrl;
    log(`starting ${service.name} on port ${service.port} ...`);
    const child = startService(service, env);
    children.set(child, service.name);
    await waitUntilReady(service, child);
  }

  const gateway = services.find((service) => service.name === 'gateway');
  if (gateway) await ensureDemoCustomer(`http://127.0.0.1:${gateway.port}`);
  if (gateway) {
    log(`starting the storefront (Vite, proxying /api to the gateway) on port ${WEB_PORT} ...`);
    const web = startStorefront(`http://127.0.0.1:${gateway.port}`);
    children.set(web, 'the storefront (Vite)');
    await waitForStorefront(web);
  }
  log('everything is up:');
  if (gateway) log(`  storefront      http://localhost:${WEB_PORT}   (apps/web; the shop for people)`);
  // The gateway first: it is the shop's one public entry; the services' own ports are for debugging.
  for (const service of [...services].sort((a, b) => Number(b === gateway) - Number(a === gateway))) {
    log(
      // The ops port is the platform's default OPS_PORT, PORT + 10000.
      `  ${service.name.padEnd(15)} http://127.0.0.1:${service.port}   (` +
        (service === gateway ? 'API docs: /docs' : 'API document: /openapi.json') +
        `; metrics: http://127.0.0.1:${service.port + 10_000}/metrics)`,
    );
  }
  if (gateway) {
    log(
      `  sign in as ${DEMO_CUSTOMER.email} / ${DEMO_CUSTOMER.password} (customer) or the admin auth printed above;`,
    );
    log('  npm run demo walks one checkout through the gateway.');
  }
  log('Press Ctrl-C to stop.');
  for (const [child, name] of children) {
    child.once('exit', (code) => {
      if (!stopping && code !== 0 && code !== null)
        log(
          `${name} exited with ${code}; the others keep running. ` +
            'Its log is above: fix it, then stop npm start (Ctrl-C) and run it again.',
        );
    });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  for (const child of children.keys()) child.kill('SIGTERM');
  process.exit(1);
});
