// Strict JSON schemas for kubeconform, made offline: the Kubernetes OpenAPI document of k8s.io/kubernetes and
// the CRDs of the operators, each from a pinned Go module (downloaded through the Go module proxy). The
// conversion is openapi2jsonschema's "standalone strict" logic: every $ref inlined, and objects that list
// their properties reject any other (`additionalProperties: false`), so a misspelt field is an error.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES_VERSION, goModuleDir, progress, toolsDir } from './tools.ts';

/** Where each operator's CRDs come from: a module, its version and the CRD files inside it. */
export const CRD_SOURCES = [
  {
    name: 'Istio',
    module: 'istio.io/api',
    version: 'v1.28.0',
    files: ['kubernetes/customresourcedefinitions.gen.yaml'],
  },
  {
    name: 'CloudNativePG',
    module: 'github.com/cloudnative-pg/cloudnative-pg',
    version: 'v1.27.1',
    files: ['config/crd/bases'],
  },
  {
    name: 'Prometheus Operator',
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    files: ['example/prometheus-operator-crd'],
  },
  {
    name: 'External Secrets',
    module: 'github.com/external-secrets/external-secrets',
    version: 'v0.16.2',
    files: ['config/crds/bases'],
  },
] as const;

const CONVERTER_VERSION = '3';

/**
 * Strimzi is a Java project: its CRDs are generated from its model classes (the Maven artifact io.strimzi:api)
 * by its own generator (io.strimzi:crd-generator, which needs Java 21+), exactly as Strimzi's build does.
 */
export const STRIMZI = {
  api: '0.49.0',
  generator: '1.2.0',
  kinds: {
    Kafka: 'io.strimzi.api.kafka.model.kafka.Kafka',
    KafkaNodePool: 'io.strimzi.api.kafka.model.nodepool.KafkaNodePool',
  },
} as const;

function findJava21(): string {
  const homes = [
    process.env['JAVA_HOME'],
    '/usr/lib/jvm/temurin-25-jdk-amd64',
    '/usr/lib/jvm/temurin-21-jdk-amd64',
    '/usr/lib/jvm/java-21-openjdk-amd64',
    '/usr/lib/jvm/java-25-openjdk-amd64',
  ];
  for (const home of homes) {
    if (home === undefined || home === '') continue;
    const release = join(home, 'release');
    if (!existsSync(release) || !existsSync(join(home, 'bin', 'java'))) continue;
    const text = require_text(release);
    const major = Number(/JAVA_VERSION="(\d+)/.exec(text)?.[1] ?? 0);
    if (major >= 21) return join(home, 'bin', 'java');
  }
  throw new Error(
    '[k8s] Generating the Strimzi CRDs needs Java 21 or newer (its CRD generator is built for 21): install one ' +
      '(apt-get install openjdk-21-jdk-headless, or Temurin 25 in /usr/lib/jvm) or set JAVA_HOME to it.',
  );
}

function require_text(path: string): string {
  // A tiny synchronous read, only for the JDK's `release` file.
  return readFileSync(path, 'utf8');
}

function run(command: string, args: string[], cwd: string, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (error) =>
      reject(new Error(`[k8s] ${what}: could not run ${command} (${error.message}).`)),
    );
    child.once('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`[k8s] ${what} failed (${code}):\n${output.slice(-3000)}`)),
    );
  });
}

/** The Strimzi CRD files, generated once into the tools cache (Maven Central for the jars, then Java). */
export async function ensureStrimziCrds(): Promise<string[]> {
  const dir = join(toolsDir(), `strimzi-crds-${STRIMZI.api}-${STRIMZI.generator}`);
  const files = Object.keys(STRIMZI.kinds).map((kind) => join(dir, `${kind.toLowerCase()}.yaml`));
  if (existsSync(join(dir, 'COMPLETE'))) return files;
  const started = Date.now();
  progress(
    `generating the Strimzi ${STRIMZI.api} CRDs (io.strimzi:api + io.strimzi:crd-generator ${STRIMZI.generator} from Maven Central) into ${dir} ...`,
  );
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>shop.local</groupId><artifactId>strimzi-crds</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>${STRIMZI.api}</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>${STRIMZI.generator}</version></dependency>
  </dependencies>
</project>
`,
  );
  await run(
    'mvn',
    ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=lib'],
    dir,
    'mvn dependency:copy-dependencies (check access to Maven Central)',
  );
  await run(
    findJava21(),
    [
      '-cp',
      'lib/*',
      'io.strimzi.crdgenerator.CrdGenerator',
      '--yaml',
      '--crd-api-version',
      'v1',
      '--api-versions',
      'v1,v1beta2',
      '--storage-version',
      'v1beta2',
      ...Object.entries(STRIMZI.kinds).map(
        ([kind, cls]) => `${cls}=${join(dir, `${kind.toLowerCase()}.yaml`)}`,
      ),
    ],
    dir,
    'the Strimzi CRD generator',
  );
  await writeFile(join(dir, 'COMPLETE'), `${new Date().toISOString()}\n`);
  progress(`Strimzi CRDs generated in ${Math.round((Date.now() - started) / 1000)}s.`);
  return files;
}

type Json = Record<string, unknown>;

export interface CrdDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: Json } }[];
  };
}

/** Every CRD of every source, parsed (the API server test applies these before the manifests). */
export async function loadCrds(): Promise<{ source: string; crd: CrdDocument; text: string }[]> {
  const out: { source: string; crd: CrdDocument; text: string }[] = [];
  for (const source of CRD_SOURCES) {
    const dir = await goModuleDir(source.module, source.version);
    for (const entry of source.files) {
      const path = join(dir, entry);
      const files = entry.endsWith('.yaml')
        ? [path]
        : (await readdir(path))
            .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
            .map((f) => join(path, f));
      for (const file of files.sort()) {
        for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
          const crd = doc.toJS() as CrdDocument | null;
          if (crd?.kind !== 'CustomResourceDefinition') continue;
          out.push({ source: `${source.module}@${source.version}`, crd, text: doc.toString() });
        }
      }
    }
  }
  for (const file of await ensureStrimziCrds()) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const crd = doc.toJS() as CrdDocument | null;
      if (crd?.kind === 'CustomResourceDefinition')
        out.push({ source: `io.strimzi:api:${STRIMZI.api}`, crd, text: doc.toString() });
    }
  }
  return out;
}

/** `{type: [t, 'null']}`-style nullability is not added: Kubernetes' own decoder rejects most nulls too. */
function strictify(schema: unknown, resolve: (ref: string) => Json, active: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => strictify(s, resolve, active));
  if (schema === null || typeof schema !== 'object') return schema;
  let node = schema as Json;
  if (typeof node['$ref'] === 'string') {
    const { $ref, ...rest } = node;
    // A recursive type (JSONSchemaProps) accepts anything below its first repetition.
    if (active.includes($ref as string)) return {};
    active = [...active, $ref as string];
    node = { ...resolve($ref as string), ...rest };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value as Json).map(([k, v]) => [k, strictify(v, resolve, active)]),
      );
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'object' ? strictify(value, resolve, active) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = strictify(value, resolve, active);
    } else if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'example') {
      continue;
    } else {
      out[key] = value;
    }
  }
  if (node['format'] === 'int-or-string' || node['x-kubernetes-int-or-string'] === true) {
    delete out['type'];
    delete out['format'];
    return { ...out, oneOf: [{ type: 'string' }, { type: 'integer' }] };
  }
  if (
    out['properties'] !== undefined &&
    out['additionalProperties'] === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

// kubeconform's {{ .Group }} is the part of apiVersion before the slash: for the core group, the version.
const fileOf = (dir: string, group: string, kind: string, version: string): string =>
  join(dir, group === '' ? version : group, `${kind.toLowerCase()}_${version}.json`);

async function writeSchema(path: string, schema: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, JSON.stringify({ $schema: 'http://json-schema.org/schema#', ...(schema as Json) }));
}

/** The Kubernetes definitions that are kinds (x-kubernetes-group-version-kind), one schema file each. */
async function kubernetesSchemas(dir: string): Promise<number> {
  const moduleDir = await goModuleDir('k8s.io/kubernetes', KUBERNETES_VERSION);
  const swagger = JSON.parse(
    await readFile(join(moduleDir, 'api', 'openapi-spec', 'swagger.json'), 'utf8'),
  ) as {
    definitions: Record<string, Json>;
  };
  const definitions = swagger.definitions;
  const resolve = (ref: string): Json => {
    const name = ref.replace('#/definitions/', '');
    const definition = definitions[name];
    if (definition === undefined) throw new Error(`[k8s] swagger.json: no definition ${name}`);
    if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') {
      return { oneOf: [{ type: 'string' }, { type: 'number' }] };
    }
    return definition;
  };
  let count = 0;
  for (const [name, definition] of Object.entries(definitions)) {
    const gvks = definition['x-kubernetes-group-version-kind'] as
      { group: string; version: string; kind: string }[] | undefined;
    if (gvks === undefined || name.includes('.apimachinery.')) continue;
    const schema = strictify(definition, resolve) as Json;
    for (const gvk of gvks) {
      const properties = { ...(schema['properties'] as Json) };
      properties['apiVersion'] = {
        type: 'string',
        enum: [gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`],
      };
      properties['kind'] = { type: 'string', enum: [gvk.kind] };
      await writeSchema(fileOf(dir, gvk.group, gvk.kind, gvk.version), { ...schema, properties });
      count += 1;
    }
  }
  return count;
}

async function crdSchemas(dir: string): Promise<number> {
  let count = 0;
  for (const { crd } of await loadCrds()) {
    for (const version of crd.spec.versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (schema === undefined) continue;
      const strict = strictify(schema, () => ({})) as Json;
      const properties = { ...(strict['properties'] as Json) };
      properties['apiVersion'] = { type: 'string', enum: [`${crd.spec.group}/${version.name}`] };
      properties['kind'] = { type: 'string', enum: [crd.spec.names.kind] };
      // metadata is the API server's ObjectMeta, not described by the CRD: names, labels, annotations.
      properties['metadata'] = { type: 'object' };
      await writeSchema(fileOf(dir, crd.spec.group, crd.spec.names.kind, version.name), {
        ...strict,
        properties,
        additionalProperties: false,
      });
      count += 1;
    }
  }
  return count;
}

/** The schema directory, generated once per set of pinned versions; kubeconform's -schema-location template. */
export async function ensureSchemas(): Promise<{ dir: string; location: string }> {
  const key = createHash('sha256')
    .update(JSON.stringify([CONVERTER_VERSION, KUBERNETES_VERSION, CRD_SOURCES, STRIMZI]))
    .digest('hex')
    .slice(0, 12);
  const dir = join(toolsDir(), `schemas-${key}`);
  const location = `${dir}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`;
  const done = await readFile(join(dir, 'COMPLETE'), 'utf8').catch(() => undefined);
  if (done !== undefined) return { dir, location };
  const started = Date.now();
  progress(
    `writing kubeconform schemas (Kubernetes ${KUBERNETES_VERSION} and ${CRD_SOURCES.length + 1} operators' CRDs) into ${dir} ...`,
  );
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const kinds = await kubernetesSchemas(partial);
  const crds = await crdSchemas(partial);
  await writeFile(join(partial, 'COMPLETE'), `${kinds} Kubernetes, ${crds} CRD schemas\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  progress(
    `${kinds} Kubernetes and ${crds} CRD schemas written in ${Math.round((Date.now() - started) / 1000)}s.`,
  );
  return { dir, location };
}

if (import.meta.main) {
  try {
    process.stdout.write(`${(await ensureSchemas()).dir}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
