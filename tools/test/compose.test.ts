import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildProblems,
  composeSchemaValidator,
  configProblems,
  databaseProblems,
  debugProblems,
  dependsOnProblems,
  endpointProblems,
  grafanaAlloyProblems,
  healthcheckProblems,
  hardeningProblems,
  jobProblems,
  listeningPorts,
  loadApps,
  prometheusProblems,
  secretProblems,
  variableProblems,
  type App,
} from '../compose/checks.ts';
import { buildComposeConfig, composeConfig } from '../compose/compose-go.ts';
import { InterpolationError } from '../compose/env-file.ts';
import {
  environmentOf,
  envFromText,
  readComposeYaml,
  resolve,
  ROOT,
  type ComposeFile,
} from '../compose/model.ts';
import { composeSecrets } from '../compose/secrets.ts';

// compose.yaml cannot be run here (no Docker engine, no `docker compose config`), so this is its check:
// the Compose Specification's schema, then coherence with the services themselves. Each check is also
// shown to catch a broken copy of the file.

const copy = <T>(value: T): T => structuredClone(value);

describe('compose.yaml', () => {
  let apps: App[];
  let document: unknown;
  let debugDocument: unknown;
  let exampleText: string;
  let env: Map<string, string>;
  let model: ComposeFile;
  let debug: ComposeFile;
  let used: Set<string>;
  let ports: Map<string, Set<number>>;
  let envText: string;

  before(async () => {
    [apps, document, debugDocument, exampleText] = await Promise.all([
      loadApps(),
      readComposeYaml('compose.yaml'),
      readComposeYaml('compose.debug.yaml'),
      readFile(join(ROOT, '.env.example'), 'utf8'),
    ]);
    // The .env a user gets from `npm run compose:secrets`: real generated secrets and hashes.
    envText = (await composeSecrets(exampleText)).text;
    env = envFromText(envText);
    used = new Set<string>();
    model = resolve(document, env, used);
    debug = resolve(debugDocument, env, used);
    ports = await listeningPorts(model, apps);
  });

  it('when validated against the Compose Specification schema, then both files pass, and a typo fails', async () => {
    const validate = await composeSchemaValidator();
    assert.deepEqual(validate(model), []);
    assert.deepEqual(validate(debug), []);
    const broken = copy(model) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services['auth']!['restrat'] = 'always';
    broken.services['redis']!['healthcheck'] = { test: ['CMD', 'true'], interval: 5 };
    const problems = validate(broken);
    assert.ok(
      problems.some((p) => p.includes('restrat')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.includes('/services/redis/healthcheck/interval')),
      problems.join('\n'),
    );
  });

  it('when .env.example is compared with the files, then it lists every variable they use, none clashing with a service variable', () => {
    const example = envFromText(exampleText, '.env.example');
    assert.deepEqual(variableProblems(used, example, apps), []);
    const missing = new Map(example);
    missing.delete('GRAFANA_PORT');
    assert.match(variableProblems(used, missing, apps).join('\n'), /GRAFANA_PORT: compose uses it/);
    assert.match(variableProblems(new Set(['REDIS_URL']), example, apps).join('\n'), /SHOP_REDIS_URL/);
  });

  it('when a secret is left empty (.env.example as it is), then compose stops naming it and what to do', () => {
    const example = envFromText(exampleText, '.env.example');
    assert.throws(
      () => resolve(document, example),
      (error: unknown) =>
        error instanceof InterpolationError &&
        /required variable [A-Z_]+ is missing a value: set it in \.env, see \.env\.example/.test(
          error.message,
        ),
    );
  });

  it("when each app's environment is given to its own config loader in production, then it starts; a missing or unknown variable fails", () => {
    assert.deepEqual(configProblems(model, apps), []);
    const broken = copy(model);
    delete broken.services['auth']!.environment!['REDIS_URL'];
    broken.services['payment']!.environment!['PAYMENT_PROVIDR_URL'] = 'http://payment-sandbox:3005';
    broken.services['order']!.environment!['AUTH_JWKS_INSECURE_MESH'] = 'false';
    const problems = configProblems(broken, apps).join('\n');
    assert.match(problems, /auth: its config loader refuses the environment: .*REDIS_URL/s);
    assert.match(problems, /payment: PAYMENT_PROVIDR_URL is not a variable/);
    assert.match(problems, /order: its config loader refuses .*AUTH_JWKS_URL: must be https/s);
  });

  it('when the jobs are read, then each app is migrated (order: both shard servers) and product seeded before it starts', () => {
    assert.deepEqual(jobProblems(model, apps), []);
    const broken = copy(model);
    broken.services['order-migrate']!.environment!['ORDER_SHARD_INITIAL_MAP'] = 'a:0-7,c:8-15';
    broken.services['auth-migrate']!.environment!['AUTH_DATABASE_URL'] =
      'postgres://auth:x@postgres:5432/other';
    delete broken.services['payment']!.depends_on!['payment-migrate'];
    const problems = jobProblems(broken, apps).join('\n');
    assert.match(problems, /names c, not in ORDER_SHARD_SERVERS/);
    assert.match(problems, /auth-migrate: AUTH_DATABASE_URL differs from auth's/);
    assert.match(problems, /payment: must depend on payment-migrate/);
  });

  it('when the images are read, then every app is built from docker/Dockerfile with its APP, and web from docker/web.Dockerfile', () => {
    const tag = env.get('SHOP_TAG') ?? 'dev';
    assert.deepEqual(buildProblems(model, apps, tag), []);
    const broken = copy(model);
    broken.services['order']!.build!.args!['APP'] = 'product';
    broken.services['web']!.build!.dockerfile = 'docker/Dockerfile';
    const problems = buildProblems(broken, apps, tag).join('\n');
    assert.match(problems, /order: build arg APP must be order/);
    assert.match(problems, /web: shop\/web is built from docker\/web.Dockerfile/);
  });

  it('when every URL in an environment is followed, then it reaches a compose service on a port it listens on, which it waits for', () => {
    assert.deepEqual(endpointProblems(model, ports), []);
    const broken = copy(model);
    broken.services['order']!.environment!['PRODUCT_SERVICE_URL'] = 'http://product:3003';
    broken.services['payment']!.environment!['ORDER_SERVICE_URL'] = 'http://orders:3003';
    broken.services['product']!.environment!['KAFKA_BROKERS'] = 'kafka:9093,kafka:9999';
    delete broken.services['gateway']!.depends_on!['payment'];
    const problems = endpointProblems(broken, ports).join('\n');
    assert.match(
      problems,
      /order: PRODUCT_SERVICE_URL \(product:3003\): product listens on 3002, 13002, not 3003/,
    );
    assert.match(problems, /payment: ORDER_SERVICE_URL \(orders:3003\): orders is not a compose service/);
    assert.match(problems, /product: KAFKA_BROKERS \(kafka:9999\)/);
    assert.match(problems, /gateway: PAYMENT_SERVICE_URL .* does not wait for it/);
  });

  it("when the database URLs are read, then each names a role, password and database its server's first start creates", () => {
    assert.deepEqual(databaseProblems(model), []);
    const broken = copy(model);
    broken.services['payment']!.environment!['PAYMENT_DATABASE_URL'] =
      `postgres://payment:wrong@postgres:5432/shop_payments`;
    broken.services['auth']!.environment!['AUTH_DATABASE_URL'] =
      `postgres://auth:${env.get('AUTH_DB_PASSWORD')}@postgres-orders-b:5432/shop_auth`;
    const problems = databaseProblems(broken).join('\n');
    assert.match(
      problems,
      /payment: PAYMENT_DATABASE_URL: the password is not postgres's PAYMENT_DB_PASSWORD/,
    );
    assert.match(problems, /auth: AUTH_DATABASE_URL: postgres-orders-b creates no role auth/);
  });

  it('when the health checks are read, then each probes its own service on a port it listens on and a readiness endpoint', () => {
    assert.deepEqual(healthcheckProblems(model, ports, apps), []);
    const broken = copy(model);
    broken.services['order']!.healthcheck!.test = [
      'CMD',
      'node',
      '-e',
      "fetch('http://127.0.0.1:3002/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
    ];
    broken.services['product']!.healthcheck!.test = [
      'CMD',
      'node',
      '-e',
      "fetch('http://127.0.0.1:3002/metrics').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
    ];
    broken.services['prometheus']!.healthcheck!.test = ['CMD', 'wget', '-q', 'http://127.0.0.1:9090/ready'];
    delete broken.services['redis']!.healthcheck;
    const problems = healthcheckProblems(broken, ports, apps).join('\n');
    assert.match(problems, /order: health check probes port 3002/);
    assert.match(problems, /product: health check probes \/metrics/);
    assert.match(problems, /prometheus: health check probes \/ready, not \/-\/ready/);
    assert.match(problems, /redis: no health check/);
  });

  it('when depends_on is read, then every target exists in the started profiles and can become healthy or complete', () => {
    const profiles = (env.get('COMPOSE_PROFILES') ?? '').split(',');
    assert.deepEqual(profiles.sort(), ['apps', 'infra', 'observability']);
    assert.deepEqual(dependsOnProblems(model, [...profiles, 'loadtest']), []);
    const broken = copy(model);
    broken.services['gateway']!.depends_on!['cache'] = { condition: 'service_healthy' };
    broken.services['product']!.depends_on!['alloy'] = { condition: 'service_healthy' };
    broken.services['auth']!.depends_on!['redis'] = { condition: 'service_completed_successfully' };
    broken.services['redis']!.depends_on = { auth: { condition: 'service_healthy' } };
    const problems = dependsOnProblems(broken, profiles).join('\n');
    assert.match(problems, /gateway: depends on cache, which is no service/);
    assert.match(problems, /product: waits for alloy to be healthy, but alloy has no health check/);
    assert.match(problems, /auth: waits for redis to complete/);
    assert.match(problems, /redis: waits for itself/);
    assert.match(
      dependsOnProblems(model, ['loadtest']).join('\n'),
      /k6: depends on gateway, which profiles loadtest do not start/,
    );
  });

  it("when observability is read, then Prometheus scrapes every app's operational port and Grafana and Alloy reach their services", async () => {
    assert.deepEqual(await prometheusProblems(model, ports, apps), []);
    assert.deepEqual(await grafanaAlloyProblems(model, ports), []);
    const broken = copy(model);
    broken.services['gateway']!.environment!['OPS_PORT'] = '9464';
    broken.services['loki']!.image = 'grafana/promtail:3.5.5';
    broken.services['alloy']!.volumes = ['./observability/alloy/config.alloy:/etc/alloy/config.alloy:ro'];
    const brokenPorts = await listeningPorts(broken, apps);
    assert.match(
      (await prometheusProblems(broken, brokenPorts, apps)).join('\n'),
      /gateway:18080: gateway's operational port is 9464/,
    );
    const problems = (await grafanaAlloyProblems(broken, brokenPorts)).join('\n');
    assert.match(problems, /grafana datasource Loki: http:\/\/loki:3100/);
    assert.match(problems, /alloy: its config reads \/var\/run\/docker.sock/);
  });

  it('when exposure is read, then only the gateway, web, Grafana and Jaeger UI are published on 127.0.0.1, the apps hardened and limited', () => {
    assert.deepEqual(hardeningProblems(model), []);
    assert.deepEqual(debugProblems(debug, model, ports), []);
    const broken = copy(model);
    broken.services['postgres']!.ports = ['5432:5432'];
    broken.services['auth']!.read_only = false;
    delete broken.services['kafka']!.deploy;
    broken.services['redis']!.volumes = ['redis-cache:/data'];
    const problems = hardeningProblems(broken).join('\n');
    assert.match(problems, /postgres: publish 5432:5432 on 127.0.0.1 only/);
    assert.match(problems, /auth: read_only: true/);
    assert.match(problems, /kafka: set deploy.resources.limits/);
    assert.match(problems, /volume redis-cache is used but not declared/);
    assert.match(problems, /volume redis-data is declared but unused/);
  });

  it('when the file is read before substitution, then no secret is written in it', () => {
    const raw = document as ComposeFile;
    assert.deepEqual(secretProblems(raw, apps), []);
    const broken = copy(raw);
    broken.services['payment-sandbox']!.environment!['SANDBOX_API_KEY'] =
      'sk_test_written_in_the_file_123456';
    broken.services['auth']!.environment!['AUTH_DATABASE_URL'] =
      'postgres://auth:hunter2@postgres:5432/shop_auth';
    const problems = secretProblems(broken, apps).join('\n');
    assert.match(problems, /payment-sandbox: SANDBOX_API_KEY must be/);
    assert.match(problems, /auth: AUTH_DATABASE_URL has a password in its URL/);
  });
});

describe('compose.yaml as Docker Compose loads it (compose-go, the library `docker compose config` runs)', () => {
  const ALL = ['infra', 'apps', 'observability', 'loadtest'];
  let binary: string;
  let dir: string;
  let envFile: string;
  let model: ComposeFile;

  before(async () => {
    binary = buildComposeConfig((message) => process.stderr.write(`[compose test] ${message}\n`));
    dir = await mkdtemp(join(tmpdir(), 'shop-compose-'));
    envFile = join(dir, '.env');
    const envText = (await composeSecrets(await readFile(join(ROOT, '.env.example'), 'utf8'))).text;
    await writeFile(envFile, envText);
    const env = envFromText(envText);
    model = resolve(await readComposeYaml('compose.yaml'), env);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('when both files are loaded with a generated .env, then Compose accepts them and gives every service the environment the checks above read', () => {
    const result = composeConfig(binary, ['compose.yaml', 'compose.debug.yaml'], envFile, ALL);
    assert.equal(result.status, 0, result.stderr);
    const project = JSON.parse(result.stdout) as {
      services: Record<string, { environment?: Record<string, string | null>; ports?: { target: number }[] }>;
    };
    assert.deepEqual(Object.keys(project.services).sort(), Object.keys(model.services).sort());
    for (const [name, service] of Object.entries(model.services)) {
      const loaded = Object.fromEntries(
        Object.entries(project.services[name]?.environment ?? {}).filter(([, v]) => v !== null),
      );
      assert.deepEqual(loaded, environmentOf(service), `${name}: the environment Compose gives it`);
    }
    // The debug override adds the services' own ports to what compose.yaml publishes.
    const gatewayPorts = (project.services['gateway']?.ports ?? [])
      .map((p) => p.target)
      .sort((a, b) => a - b);
    assert.deepEqual(gatewayPorts, [8080, 18080]);
  });

  it('when .env.example is used as it is, then Compose stops naming each empty secret and where to set it', () => {
    const result = composeConfig(binary, ['compose.yaml'], join(ROOT, '.env.example'), ALL);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /required variable POSTGRES_PASSWORD is missing a value: set it in \.env, see \.env\.example/,
    );
    assert.match(result.stderr, /required variable SHOP_SERVICE_CLIENTS is missing a value/);
  });

  it('when a copy waits for a service that does not exist, then Compose refuses it', async () => {
    const text = await readFile(join(ROOT, 'compose.yaml'), 'utf8');
    const broken = text.replace(
      '      redis: { condition: service_healthy }\n',
      '      rediss: { condition: service_healthy }\n',
    );
    assert.notEqual(broken, text);
    await writeFile(join(dir, 'compose.yaml'), broken);
    const result = composeConfig(binary, [join(dir, 'compose.yaml')], envFile, ALL);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /rediss/);
  });
});
