import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { parseAssignments } from '@shop/sharding';
import { discoverServices } from '../dev/services.ts';
import { environmentOf, healthcheckCommand, ROOT, type ComposeFile, type ComposeService } from './model.ts';

// The checks tools/test/compose.test.ts runs on compose.yaml: each returns what is wrong, one line per
// problem (empty: fine), so a test can also show that a broken copy of the file is caught.

/** One app of the workspace as compose runs it: its port, config schema and production loader. */
export interface App {
  name: string;
  port: number;
  /** The variables its config schema reads, and which of them are secrets. */
  variables: Set<string>;
  secrets: Set<string>;
  /** Its config loader (`load<Name>Config`): throws a ConfigError listing what is wrong. */
  load(env: Record<string, string>): unknown;
}

const pascal = (app: string) =>
  app.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());

interface PropertySchema {
  secret?: boolean;
}

/** Every app with a `shop` block, with its config module imported from apps/<app>/src/config.ts. */
export async function loadApps(): Promise<App[]> {
  const apps: App[] = [];
  for (const service of await discoverServices(ROOT)) {
    const file = join(ROOT, 'apps', service.name, 'src', 'config.ts');
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const schema = module[`${pascal(service.name)}EnvSchema`] as
      { properties: Record<string, PropertySchema> } | undefined;
    const load = module[`load${pascal(service.name)}Config`] as App['load'] | undefined;
    if (!schema || !load) {
      throw new Error(
        `${file} must export ${pascal(service.name)}EnvSchema and load${pascal(service.name)}Config.`,
      );
    }
    const properties = Object.entries(schema.properties);
    apps.push({
      name: service.name,
      port: service.port,
      variables: new Set(properties.map(([name]) => name)),
      secrets: new Set(properties.filter(([, p]) => p.secret).map(([name]) => name)),
      load,
    });
  }
  return apps;
}

// ---- the Compose Specification's JSON schema --------------------------------------------------------

const SCHEMA_FILE = join(ROOT, 'tools', 'compose', 'schema', 'compose-spec.json');

/** A validator of the Compose Specification's schema (vendored from compose-go, see schema/README.md). */
export async function composeSchemaValidator(): Promise<(document: unknown) => string[]> {
  const schema = JSON.parse(await readFile(SCHEMA_FILE, 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  // compose-go's own formats: durations ("10s", "1m30s") and the port/expose ranges.
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  const validate = ajv.compile(schema);
  return (document) =>
    validate(document)
      ? []
      : (validate.errors ?? []).map(
          (e) =>
            `${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
        );
}

// ---- variables -------------------------------------------------------------------------------------

/**
 * Every variable the compose files substitute is in .env.example, and none of them is also one a service
 * reads (those are prefixed SHOP_), so `node --env-file=.env` with .env.example's other variables stays
 * as it was.
 */
export function variableProblems(used: Set<string>, example: Map<string, string>, apps: App[]): string[] {
  const problems: string[] = [];
  const serviceVariables = new Set(apps.flatMap((app) => [...app.variables]));
  for (const name of [...used].sort()) {
    if (!example.has(name)) problems.push(`${name}: compose uses it, but .env.example does not list it`);
    if (serviceVariables.has(name))
      problems.push(`${name}: a service reads it too; name the compose variable SHOP_${name}`);
  }
  return problems;
}

// ---- the services' configuration ------------------------------------------------------------------

/** Variables a service reads besides its schema: the OpenTelemetry SDK's own. */
const SDK_VARIABLE = /^OTEL_/;

/** Each app's service environment passes its own production config loader, with no unknown variable. */
export function configProblems(model: ComposeFile, apps: App[]): string[] {
  const problems: string[] = [];
  for (const app of apps) {
    const service = model.services[app.name];
    if (!service) {
      problems.push(`${app.name}: no compose service runs this app`);
      continue;
    }
    const env = environmentOf(service);
    if (env['NODE_ENV'] !== 'production') problems.push(`${app.name}: NODE_ENV must be production`);
    for (const name of Object.keys(env)) {
      if (!app.variables.has(name) && !SDK_VARIABLE.test(name))
        problems.push(`${app.name}: ${name} is not a variable of apps/${app.name}/src/config.ts`);
    }
    try {
      app.load(env);
    } catch (error) {
      problems.push(`${app.name}: its config loader refuses the environment: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** What a migration or seed job reads: the app's database variables (order: its shard map too). */
const JOB_VARIABLES: Record<string, string[]> = {
  order: [
    'ORDER_DATABASE_URL',
    'ORDER_SHARD_SERVERS',
    'ORDER_SHARD_DIRECTORY_URL',
    'ORDER_SHARD_INITIAL_MAP',
  ],
};
const databaseVariable = (app: string) => `${app.toUpperCase().replaceAll('-', '_')}_DATABASE_URL`;

/**
 * Every app has a `<app>-migrate` job (`migrate`), product a `product-seed` (`seed`); each job reads the
 * very databases its app uses, and the app waits for it to complete.
 */
export function jobProblems(model: ComposeFile, apps: App[]): string[] {
  const problems: string[] = [];
  const jobs: [string, string, string][] = [
    ...apps
      .filter((a) => a.name !== 'gateway')
      .map((a): [string, string, string] => [a.name, `${a.name}-migrate`, 'migrate']),
    ['product', 'product-seed', 'seed'],
  ];
  for (const [app, jobName, argument] of jobs) {
    const job = model.services[jobName];
    const service = model.services[app];
    if (!job || !service) {
      problems.push(`${jobName}: missing (the ${argument} job of ${app})`);
      continue;
    }
    if (!Array.isArray(job.command) || job.command[0] !== argument)
      problems.push(`${jobName}: command must be ["${argument}", ...]`);
    if (job.image !== service.image) problems.push(`${jobName}: must run ${app}'s image ${service.image}`);
    if (job.restart !== 'no') problems.push(`${jobName}: a one-shot job needs restart: "no"`);
    const allowed = JOB_VARIABLES[app] ?? [databaseVariable(app)];
    const env = environmentOf(job);
    const appEnv = environmentOf(service);
    for (const [name, value] of Object.entries(env)) {
      if (!allowed.includes(name)) problems.push(`${jobName}: ${name} is not read by the ${argument} job`);
      else if (name in appEnv && appEnv[name] !== value)
        problems.push(`${jobName}: ${name} differs from ${app}'s: it would prepare another database`);
    }
    if (!env[databaseVariable(app)]) problems.push(`${jobName}: ${databaseVariable(app)} is not set`);
    const waits = service.depends_on?.[jobName]?.condition;
    const viaSeed = jobName === 'product-migrate' && model.services['product-seed']?.depends_on?.[jobName];
    if (waits !== 'service_completed_successfully' && !viaSeed)
      problems.push(`${app}: must depend on ${jobName} with condition service_completed_successfully`);
  }
  const order = model.services['order-migrate'];
  if (order) {
    const env = environmentOf(order);
    const servers = new Set(
      (env['ORDER_SHARD_SERVERS'] ?? '').split(',').map((entry) => entry.split('=')[0]),
    );
    try {
      const assignments = parseAssignments(env['ORDER_SHARD_INITIAL_MAP'] ?? '', 16);
      for (const { server } of assignments)
        if (!servers.has(server))
          problems.push(`order-migrate: ORDER_SHARD_INITIAL_MAP names ${server}, not in ORDER_SHARD_SERVERS`);
    } catch (error) {
      problems.push(`order-migrate: ORDER_SHARD_INITIAL_MAP: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** Every image of an app is shop/<app>:${SHOP_TAG}, built from docker/Dockerfile with APP=<app>. */
export function buildProblems(model: ComposeFile, apps: App[], tag: string): string[] {
  const problems: string[] = [];
  const appNames = new Set(apps.map((a) => a.name));
  for (const [name, service] of Object.entries(model.services)) {
    const match = /^shop\/([a-z-]+):(.+)$/.exec(service.image ?? '');
    if (!match) continue;
    const [, app, imageTag] = match as unknown as [string, string, string];
    if (imageTag !== tag) problems.push(`${name}: image tag ${imageTag}, expected ${tag} (SHOP_TAG)`);
    if (app === 'web') {
      if (service.build?.dockerfile !== 'docker/web.Dockerfile' || service.build.context !== '.')
        problems.push(`${name}: shop/web is built from docker/web.Dockerfile with the root as context`);
      continue;
    }
    if (!appNames.has(app)) problems.push(`${name}: shop/${app} is no app of the workspace`);
    if (service.build?.dockerfile !== 'docker/Dockerfile' || service.build.context !== '.')
      problems.push(`${name}: shop/${app} is built from docker/Dockerfile with the root as context`);
    if (service.build?.args?.['APP'] !== app)
      problems.push(`${name}: build arg APP must be ${app}, is ${service.build?.args?.['APP']}`);
  }
  for (const app of appNames)
    if (model.services[app]?.image !== `shop/${app}:${tag}`)
      problems.push(`${app}: must run the image shop/${app}:${tag}`);
  return problems;
}

// ---- who listens where ------------------------------------------------------------------------------

/** Ports an infrastructure image listens on by default (compose.yaml does not change them). */
const IMAGE_PORTS: [RegExp, number[]][] = [
  [/^postgres:/, [5432]],
  [/^redis:/, [6379]],
  [/^jaegertracing\/jaeger:/, [4317, 4318, 16686, 13133]],
  [/^prom\/prometheus:/, [9090]],
  [/^grafana\/grafana:/, [3000]],
  [/^shop\/web:/, [3000]],
];

/** Every service's listening ports, from the app's port, an image's defaults and the mounted configs. */
export async function listeningPorts(model: ComposeFile, apps: App[]): Promise<Map<string, Set<number>>> {
  const lokiConfig = parse(await readFile(join(ROOT, 'observability', 'loki', 'loki.yml'), 'utf8')) as {
    server: { http_listen_port: number; grpc_listen_port: number };
  };
  const ports = new Map<string, Set<number>>();
  for (const [name, service] of Object.entries(model.services)) {
    const env = environmentOf(service);
    const app = apps.find((a) => service.image?.startsWith(`shop/${a.name}:`));
    const own = new Set<number>();
    if (app && Array.isArray(service.command) === false) {
      const port = Number(env['PORT'] ?? app.port);
      own.add(port).add(Number(env['OPS_PORT'] ?? port + 10_000));
    }
    for (const [image, list] of IMAGE_PORTS)
      if (image.test(service.image ?? '')) list.forEach((p) => own.add(p));
    if (/^apache\/kafka:/.test(service.image ?? '')) {
      for (const m of (env['KAFKA_LISTENERS'] ?? '').matchAll(/:(\d+)/g)) own.add(Number(m[1]));
    }
    if (/^grafana\/loki:/.test(service.image ?? '')) {
      own.add(lokiConfig.server.http_listen_port).add(lokiConfig.server.grpc_listen_port);
    }
    const command = Array.isArray(service.command) ? service.command : [];
    for (const argument of command) {
      const listen = /^--server\.http\.listen-addr=.*:(\d+)$/.exec(argument);
      if (listen) own.add(Number(listen[1]));
    }
    ports.set(name, own);
  }
  return ports;
}

const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s,]*@)?([A-Za-z0-9.-]+):(\d+)/g;

/** Each URL (or Kafka host:port) in a service's environment, as [variable, host, port]. */
function endpointsOf(service: ComposeService): [string, string, number][] {
  const found: [string, string, number][] = [];
  for (const [name, value] of Object.entries(environmentOf(service))) {
    if (name === 'KAFKA_BROKERS') {
      for (const broker of value.split(',')) {
        const [host, port] = broker.split(':');
        found.push([name, host ?? '', Number(port)]);
      }
      continue;
    }
    for (const m of value.matchAll(URL_IN_TEXT)) found.push([name, m[2]!, Number(m[3])]);
  }
  return found;
}

/** Variables whose URLs are another party's view, not a connection this service makes. */
const NOT_CONNECTIONS = new Set(['KAFKA_ADVERTISED_LISTENERS', 'WEB_ORIGIN']);

/** Hops a service makes without waiting for the target to be healthy first, and why that is right. */
const UNORDERED_HOPS = new Map([
  [
    'payment-sandbox>gateway',
    'webhooks are retried until the gateway answers (and the gateway waits for payment)',
  ],
  ['*>jaeger', 'spans are exported in the background; a missed batch costs a trace, never a request'],
]);

/** The services `name` waits for, directly or through the ones it waits for. */
function dependencies(model: ComposeFile, name: string, seen = new Set<string>()): Set<string> {
  for (const target of Object.keys(model.services[name]?.depends_on ?? {})) {
    if (seen.has(target)) continue;
    seen.add(target);
    dependencies(model, target, seen);
  }
  return seen;
}

/**
 * Every URL in a service's environment names a compose service on a port it listens on, and the service
 * waits (depends_on, directly or not) for the one it connects to. The browser's origin (WEB_ORIGIN) is the
 * web page's published port.
 */
export function endpointProblems(model: ComposeFile, ports: Map<string, Set<number>>): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(model.services)) {
    const waits = dependencies(model, name);
    for (const [variable, host, port] of endpointsOf(service)) {
      if (NOT_CONNECTIONS.has(variable)) continue;
      const where = `${name}: ${variable} (${host}:${port})`;
      const target = ports.get(host);
      if (!target) {
        problems.push(`${where}: ${host} is not a compose service`);
        continue;
      }
      if (!target.has(port))
        problems.push(
          `${where}: ${host} listens on ${[...target].join(', ') || 'no known port'}, not ${port}`,
        );
      if (
        host !== name &&
        !waits.has(host) &&
        !UNORDERED_HOPS.has(`${name}>${host}`) &&
        !UNORDERED_HOPS.has(`*>${host}`)
      )
        problems.push(`${where}: ${name} connects to ${host} but does not wait for it (depends_on)`);
    }
    const origin = environmentOf(service)['WEB_ORIGIN'];
    if (origin !== undefined) {
      const published = (model.services['web']?.ports ?? []).map((p) => p.split(':').slice(-2, -1)[0]);
      const port = /:(\d+)$/.exec(origin)?.[1];
      if (!origin.startsWith('http://localhost:') || !published.includes(port))
        problems.push(
          `${name}: WEB_ORIGIN ${origin} is not the web page's published http://localhost:<port>`,
        );
    }
  }
  return problems;
}

// ---- health checks and start order ----------------------------------------------------------------

/** The readiness path of an infrastructure image, as its documentation gives it. */
const HEALTH_PATHS: [RegExp, string][] = [
  [/^prom\/prometheus:/, '/-/ready'],
  [/^grafana\/loki:/, '/ready'],
  [/^grafana\/grafana:/, '/api/health'],
  [/^jaegertracing\/jaeger:/, '/status'],
];
/** Long-running services without a health check, and why. */
export const NO_HEALTHCHECK = new Map([
  ['alloy', 'nothing waits for it; its image has no HTTP client to probe its /-/ready with'],
  ['web', "its image (docker/web.Dockerfile, nginx) is the lead's; add the check with it"],
  ['k6', 'a one-shot load test'],
]);
const APP_PROBE =
  /^fetch\('http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)'\)\.then\(\(r\) => process\.exit\(r\.ok \? 0 : 1\), \(\) => process\.exit\(1\)\)$/;

/**
 * Every long-running service has a health check that probes its own readiness: an app GET /ready or
 * /health (the platform's, on both its ports) with node (its image has no curl), the infrastructure
 * its own tool or readiness endpoint, on a port it listens on.
 */
export function healthcheckProblems(
  model: ComposeFile,
  ports: Map<string, Set<number>>,
  apps: App[],
): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(model.services)) {
    const own = ports.get(name) ?? new Set<number>();
    const command = healthcheckCommand(service);
    const oneShot = service.restart === 'no';
    if (!command) {
      if (!oneShot && !NO_HEALTHCHECK.has(name)) problems.push(`${name}: no health check`);
      continue;
    }
    const [kind, program, ...args] = command;
    if (kind !== 'CMD') {
      problems.push(`${name}: health check must be exec form ["CMD", ...] (the app images have no shell)`);
      continue;
    }
    const isApp = apps.some((a) => service.image?.startsWith(`shop/${a.name}:`));
    const probe = (port: number, path: string, allowed: string[]) => {
      if (!own.has(port))
        problems.push(`${name}: health check probes port ${port}, it listens on ${[...own].join(', ')}`);
      if (!allowed.includes(path))
        problems.push(`${name}: health check probes ${path}, not ${allowed.join(' or ')}`);
    };
    if (isApp) {
      const match = program === 'node' && args[0] === '-e' ? APP_PROBE.exec(args[1] ?? '') : null;
      if (!match)
        problems.push(`${name}: health check must be node -e "fetch('http://127.0.0.1:<port>/ready')..."`);
      else probe(Number(match[1]), match[2]!, ['/ready', '/health']);
      continue;
    }
    if (program === 'wget') {
      const url = new URL(args.at(-1) ?? '');
      const expected = HEALTH_PATHS.find(([image]) => image.test(service.image ?? ''))?.[1];
      if (url.hostname !== '127.0.0.1') problems.push(`${name}: health check must probe 127.0.0.1`);
      probe(Number(url.port), url.pathname, expected ? [expected] : []);
    } else if (program === 'pg_isready') {
      probe(Number(args.find((a) => a.startsWith('--port='))?.slice(7)), '-', ['-']);
      if (!args.includes('--host=127.0.0.1'))
        problems.push(
          `${name}: pg_isready over TCP (--host=127.0.0.1): the init server listens on the socket only`,
        );
    } else if (program === 'redis-cli') {
      probe(Number(args[args.indexOf('-p') + 1]), args.at(-1) === 'ping' ? '-' : 'not ping', ['-']);
    } else if (program?.endsWith('/kafka-broker-api-versions.sh')) {
      probe(Number(args[args.indexOf('--bootstrap-server') + 1]?.split(':')[1]), '-', ['-']);
    } else {
      problems.push(
        `${name}: health check ${program} is none the checks know; add it to tools/compose/checks.ts`,
      );
    }
  }
  return problems;
}

/** The profiles `docker compose up` starts with .env.example's COMPOSE_PROFILES, plus one named. */
const enabled = (service: ComposeService, profiles: string[]) =>
  !service.profiles || service.profiles.some((p) => profiles.includes(p));

/**
 * Every depends_on target exists, starts with the same profiles, and can meet its condition: healthy
 * needs a health check, completed a one-shot job; and nothing waits in a cycle.
 */
export function dependsOnProblems(model: ComposeFile, profiles: string[]): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(model.services)) {
    for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
      const other = model.services[target];
      if (!other) {
        problems.push(`${name}: depends on ${target}, which is no service`);
        continue;
      }
      for (const profile of service.profiles ?? [])
        if (profiles.includes(profile) && !enabled(other, profiles))
          problems.push(`${name}: depends on ${target}, which profiles ${profiles.join(',')} do not start`);
      if (condition === 'service_healthy' && !other.healthcheck?.test)
        problems.push(`${name}: waits for ${target} to be healthy, but ${target} has no health check`);
      if (condition === 'service_completed_successfully' && other.restart !== 'no')
        problems.push(`${name}: waits for ${target} to complete, but ${target} is not a one-shot job`);
      if (condition !== 'service_healthy' && condition !== 'service_completed_successfully')
        problems.push(
          `${name}: depends on ${target} with condition ${condition}; wait for healthy or completed`,
        );
    }
    if (dependencies(model, name).has(name)) problems.push(`${name}: waits for itself (a depends_on cycle)`);
  }
  return problems;
}

// ---- observability ------------------------------------------------------------------------------------

interface TargetGroup {
  targets: string[];
  labels: { app: string };
}

/** Prometheus' targets are the compose services' operational ports, one per app; the mounts are there. */
export async function prometheusProblems(
  model: ComposeFile,
  ports: Map<string, Set<number>>,
  apps: App[],
): Promise<string[]> {
  const problems: string[] = [];
  const groups = JSON.parse(
    await readFile(join(ROOT, 'observability', 'prometheus', 'targets', 'compose.json'), 'utf8'),
  ) as TargetGroup[];
  for (const group of groups) {
    for (const target of group.targets) {
      const [host, port] = target.split(':');
      const service = model.services[host ?? ''];
      const app = apps.find((a) => a.name === group.labels.app);
      if (!service || !app) {
        problems.push(`prometheus target ${target}: ${host} is no compose service of an app`);
        continue;
      }
      const ops = Number(
        environmentOf(service)['OPS_PORT'] ?? Number(environmentOf(service)['PORT'] ?? app.port) + 10_000,
      );
      if (Number(port) !== ops)
        problems.push(`prometheus target ${target}: ${host}'s operational port is ${ops}`);
      if (!ports.get(host!)?.has(Number(port)))
        problems.push(`prometheus target ${target}: ${host} does not listen there`);
    }
  }
  for (const app of apps)
    if (!groups.some((g) => g.labels.app === app.name))
      problems.push(`prometheus: no target for ${app.name}`);
  const mounts = model.services['prometheus']?.volumes ?? [];
  for (const file of [
    'prometheus.yml:/etc/prometheus/prometheus.yml',
    'rules:/etc/prometheus/rules',
    'targets:/etc/prometheus/targets',
  ])
    if (!mounts.some((m) => m.startsWith(`./observability/prometheus/${file}`)))
      problems.push(
        `prometheus: observability/prometheus/${file.split(':')[0]} is not mounted at ${file.split(':')[1]}`,
      );
  return problems;
}

/** Grafana's datasources, Alloy's Loki and Alloy's Docker socket name compose services and their ports. */
export async function grafanaAlloyProblems(
  model: ComposeFile,
  ports: Map<string, Set<number>>,
): Promise<string[]> {
  const problems: string[] = [];
  const datasources = parse(
    await readFile(
      join(ROOT, 'observability', 'grafana', 'provisioning', 'datasources', 'datasources.yml'),
      'utf8',
    ),
  ) as { datasources: { name: string; url: string }[] };
  const alloy = await readFile(join(ROOT, 'observability', 'alloy', 'config.alloy'), 'utf8');
  const urls = [
    ...datasources.datasources.map((d) => [`grafana datasource ${d.name}`, d.url] as const),
    ...[...alloy.matchAll(/url\s*=\s*"(http[^"]+)"/g)].map((m) => ['alloy loki.write', m[1]!] as const),
  ];
  for (const [what, url] of urls) {
    const { hostname, port } = new URL(url);
    if (!ports.get(hostname)?.has(Number(port)))
      problems.push(`${what}: ${url} is no compose service's port`);
  }
  const socket = /unix:\/\/(\S+?)"/.exec(alloy)?.[1];
  if (!(model.services['alloy']?.volumes ?? []).some((v) => v.endsWith(`:${socket}:ro`)))
    problems.push(`alloy: its config reads ${socket}; mount the Docker socket there read-only`);
  const grafana = model.services['grafana']?.volumes ?? [];
  for (const mount of [
    './observability/grafana/provisioning:/etc/grafana/provisioning:ro',
    './observability/grafana/dashboards:/var/lib/grafana/dashboards:ro',
  ])
    if (!grafana.includes(mount)) problems.push(`grafana: mount ${mount}`);
  return problems;
}

// ---- exposure and hardening ---------------------------------------------------------------------------

/** The services compose.yaml publishes (on 127.0.0.1), and their container ports. */
export const PUBLISHED = new Map([
  ['gateway', 8080],
  ['web', 3000],
  ['grafana', 3000],
  ['jaeger', 16686],
]);

/**
 * Only the gateway, web, Grafana and Jaeger's UI are published, on 127.0.0.1; the apps run as 10001 on a
 * read-only root with /tmp a tmpfs and no capabilities; every long-running service has a memory and CPU
 * limit; every named volume is declared and used.
 */
export function hardeningProblems(model: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(model.services)) {
    for (const port of service.ports ?? []) {
      const [address, , container] = port.split(':');
      if (address !== '127.0.0.1') problems.push(`${name}: publish ${port} on 127.0.0.1 only`);
      if (PUBLISHED.get(name) !== Number(container))
        problems.push(
          `${name}: publishes ${port}; only ${[...PUBLISHED].map(([s, p]) => `${s}:${p}`).join(', ')} are (compose.debug.yaml publishes the rest)`,
        );
    }
    const limits = service.deploy?.resources?.limits;
    if (!limits?.memory || !limits.cpus) problems.push(`${name}: set deploy.resources.limits (cpus, memory)`);
    if (service.image?.startsWith('shop/')) {
      if (service.user !== '10001:10001')
        problems.push(`${name}: user must be 10001:10001 (the image's user)`);
      if (service.read_only !== true) problems.push(`${name}: read_only: true`);
      if (!(service.tmpfs ?? []).some((t) => t.startsWith('/tmp')))
        problems.push(`${name}: /tmp must be a tmpfs`);
      if (!(service.cap_drop ?? []).includes('ALL')) problems.push(`${name}: cap_drop: [ALL]`);
    }
  }
  for (const name of Object.keys(PUBLISHED))
    if (!(model.services[name]?.ports ?? []).length) problems.push(`${name}: must be published`);
  const declared = new Set(Object.keys(model.volumes ?? {}));
  const used = new Set(
    Object.values(model.services).flatMap((s) =>
      (s.volumes ?? [])
        .map((v) => v.split(':')[0]!)
        .filter((source) => !source.startsWith('.') && !source.startsWith('/')),
    ),
  );
  for (const volume of used)
    if (!declared.has(volume)) problems.push(`volume ${volume} is used but not declared`);
  for (const volume of declared)
    if (!used.has(volume)) problems.push(`volume ${volume} is declared but unused`);
  return problems;
}

/** compose.debug.yaml publishes every app's port and operational port, and each data store's. */
export function debugProblems(
  debug: ComposeFile,
  model: ComposeFile,
  ports: Map<string, Set<number>>,
): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(debug.services)) {
    if (!model.services[name]) problems.push(`compose.debug.yaml: ${name} is no service of compose.yaml`);
    for (const port of service.ports ?? []) {
      const [address, , container] = port.split(':');
      if (address !== '127.0.0.1')
        problems.push(`compose.debug.yaml: ${name} publishes ${port}; on 127.0.0.1 only`);
      if (!ports.get(name)?.has(Number(container)))
        problems.push(`compose.debug.yaml: ${name} does not listen on ${container}`);
    }
  }
  for (const name of [
    'postgres',
    'postgres-orders-b',
    'redis',
    'kafka',
    'auth',
    'product',
    'order',
    'payment',
    'payment-sandbox',
  ])
    if (!debug.services[name]?.ports?.length) problems.push(`compose.debug.yaml: publish ${name}'s ports`);
  return problems;
}

/**
 * No secret is written in compose.yaml: every variable a service's schema marks secret, and every
 * password in a URL, is a ${VAR} substituted from .env (checked on the file before interpolation).
 */
export function secretProblems(raw: ComposeFile, apps: App[]): string[] {
  const problems: string[] = [];
  const secrets = new Set(apps.flatMap((a) => [...a.secrets]));
  for (const [name, service] of Object.entries(raw.services)) {
    for (const [variable, value] of Object.entries(service.environment ?? {})) {
      const text = String(value);
      if (
        (secrets.has(variable) || /PASSWORD|SECRET/.test(variable)) &&
        !/^\$\{[A-Z0-9_]+:\?[^}]+\}$/.test(text)
      )
        problems.push(`${name}: ${variable} must be \${VAR:?...} from .env, not written in the file`);
      for (const m of text.matchAll(/:\/\/[^:/@\s]*:([^@\s]*)@/g))
        if (!/^\$\{[A-Z0-9_]+:\?[^}]+\}$/.test(m[1]!))
          problems.push(`${name}: ${variable} has a password in its URL; use \${VAR:?...} from .env`);
    }
  }
  return problems;
}

/**
 * Each postgres:// URL names a PostgreSQL service, and a role, password and database its first start
 * creates (SHOP_DATABASES of compose/postgres/create-databases.sh, the password from the named variable).
 */
export function databaseProblems(model: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(model.services)) {
    for (const [variable, value] of Object.entries(environmentOf(service))) {
      for (const m of value.matchAll(/postgres(?:ql)?:\/\/[^,\s]+/g)) {
        const url = new URL(m[0]);
        const server = model.services[url.hostname];
        if (!server?.image?.startsWith('postgres:')) {
          problems.push(`${name}: ${variable}: ${url.hostname} is no PostgreSQL service`);
          continue;
        }
        const env = environmentOf(server);
        const entries = (env['SHOP_DATABASES'] ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map((e) => e.split(':'));
        const entry = entries.find(
          ([role, database]) => role === url.username && `/${database}` === url.pathname,
        );
        if (!entry) {
          problems.push(
            `${name}: ${variable}: ${url.hostname} creates no role ${url.username} owning ${url.pathname.slice(1)}`,
          );
          continue;
        }
        if (env[entry[2]!] !== decodeURIComponent(url.password))
          problems.push(`${name}: ${variable}: the password is not ${url.hostname}'s ${entry[2]}`);
      }
    }
    if (service.image?.startsWith('postgres:')) {
      const mounts = service.volumes ?? [];
      if (
        !mounts.includes(
          './compose/postgres/create-databases.sh:/docker-entrypoint-initdb.d/10-create-databases.sh:ro',
        )
      )
        problems.push(`${name}: mount compose/postgres/create-databases.sh into /docker-entrypoint-initdb.d`);
    }
  }
  return problems;
}
