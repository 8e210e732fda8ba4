import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { APPS } from '../src/apps.ts';
import { K8S_ROOT } from '../src/generate.ts';
import { OVERLAYS, render, type K8sObject } from '../src/render.ts';

// Each service's own config loader, in production mode, on the environment its Deployment gives it: the
// ConfigMap, the Secrets deploy/kind.sh makes (k8s/src/kind-secrets.ts), CloudNativePG's URIs, the
// `$(VAR)` compositions and the mounted files. A misspelt variable or a value production refuses fails here.

type Json = Record<string, unknown>;
const ROOT = join(K8S_ROOT, '..');
const pascal = (name: string): string => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
/** Read by something other than the config schema: the OpenTelemetry SDK, the migration Job. */
const READ_ELSEWHERE = /^(OTEL_|ORDER_SHARD_INITIAL_MAP$)/;

let secrets: Map<string, Record<string, string>>;
let dir: string;

function secretValue(name: string, key: string): string {
  if (name.endsWith('-app') && key === 'uri') {
    const cluster = name.slice(0, -'-app'.length);
    return `postgresql://app:pw-${cluster}@${cluster}-rw.shop.svc:5432/shop`;
  }
  const value = secrets.get(name)?.[key];
  assert.ok(value !== undefined, `no Secret ${name} key ${key} from kind-secrets.ts`);
  return value;
}

async function envOf(objects: K8sObject[], deployment: K8sObject): Promise<Record<string, string>> {
  const container = (deployment['spec'] as { template: { spec: { containers: Json[] } } }).template.spec
    .containers[0]!;
  const env: Record<string, string> = {};
  for (const from of (container['envFrom'] ?? []) as Json[]) {
    const name = (from['configMapRef'] as { name: string }).name;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    assert.ok(cm, `ConfigMap ${name} is not in the overlay`);
    Object.assign(env, cm['data']);
  }
  for (const e of (container['env'] ?? []) as Json[]) {
    const name = String(e['name']);
    const ref = (e['valueFrom'] as { secretKeyRef?: { name: string; key: string } } | undefined)
      ?.secretKeyRef;
    if (ref !== undefined) env[name] = secretValue(ref.name, ref.key);
    else env[name] = String(e['value']).replace(/\$\(([A-Z0-9_]+)\)/g, (_, v: string) => env[v] ?? `$(${v})`);
  }
  // Files mounted from Secrets: written where the variable points, under a temporary root.
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith('_FILE')) continue;
    const volume = (
      (deployment['spec'] as { template: { spec: { volumes: Json[] } } }).template.spec.volumes ?? []
    ).find((v) => (v['secret'] as { secretName?: string } | undefined)?.secretName !== undefined);
    const secret = volume?.['secret'] as { secretName: string; items: { key: string }[] };
    const file = join(dir, value.replaceAll('/', '_'));
    await writeFile(file, secretValue(secret.secretName, secret.items[0]!.key));
    env[name] = file;
  }
  return env;
}

describe('each service accepts its Deployment environment (production config loader)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shop-k8s-env-'));
    const made = spawnSync(process.execPath, [join(K8S_ROOT, 'src', 'kind-secrets.ts')], {
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr);
    secrets = new Map(
      parseAllDocuments(made.stdout).map((d) => {
        const s = d.toJS() as { metadata: { name: string }; stringData: Record<string, string> };
        return [s.metadata.name, s.stringData];
      }),
    );
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  for (const overlay of OVERLAYS) {
    for (const app of APPS.filter((a) => a.ops)) {
      it(`${overlay}: ${app.name} loads its config from the Deployment's env, and reads every variable it is given`, async () => {
        const objects = await render(overlay);
        const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app.name);
        assert.ok(deployment);
        const env = await envOf(objects, deployment);
        const module = (await import(
          pathToFileURL(join(ROOT, 'apps', app.name, 'src', 'config.ts')).href
        )) as Record<string, unknown>;
        const schema = module[`${pascal(app.name)}EnvSchema`] as { properties: Record<string, unknown> };
        const load = module[`load${pascal(app.name)}Config`] as (env: Record<string, string>) => unknown;
        assert.ok(
          schema && typeof load === 'function',
          `apps/${app.name}/src/config.ts has no schema or loader`,
        );
        // Parts of a composed variable (`$(ORDER_SHARD_A_URL)`) are read through it.
        const parts = new Set(
          [...JSON.stringify(deployment).matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]!),
        );
        const unread = Object.keys(env).filter(
          (name) => !(name in schema.properties) && !READ_ELSEWHERE.test(name) && !parts.has(name),
        );
        assert.deepEqual(unread, [], `${app.name} does not read these variables`);
        assert.doesNotThrow(() => load(env), `${app.name} refuses its Deployment's environment`);
      });
    }
  }

  it('without the Istio component (no AUTH_JWKS_INSECURE_MESH) production refuses the http JWKS: the check can fail', async () => {
    const objects = await render('kind');
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'product')!;
    const env = await envOf(objects, deployment);
    delete env['AUTH_JWKS_INSECURE_MESH'];
    const module = (await import(
      pathToFileURL(join(ROOT, 'apps', 'product', 'src', 'config.ts')).href
    )) as Record<string, unknown>;
    const load = module['loadProductConfig'] as (env: Record<string, string>) => unknown;
    assert.throws(() => load(env), /AUTH_JWKS/);
  });
});
