import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { OVERLAYS, idOf, parseObjects, renderYaml, type K8sObject } from '../src/render.ts';
import { ensureSchemas } from '../src/schemas.ts';
import { ensureTool } from '../src/tools.ts';

interface Result {
  code: number;
  summary: string;
  errors: string[];
}

let kubeconform: string;
let location: string;
let dir: string;

/** kubeconform -strict on one YAML file, inside `unshare -n` so that it can never fetch a schema. */
function validate(file: string): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      'unshare',
      ['-n', kubeconform, '-strict', '-summary', '-output', 'json', '-schema-location', location, file],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        const report = JSON.parse(out) as {
          resources?: { kind: string; name: string; status: string; msg: string }[];
          summary: Record<string, number>;
        };
        resolvePromise({
          code: code ?? 1,
          summary: JSON.stringify(report.summary),
          errors: (report.resources ?? [])
            .filter((r) => r.status !== 'statusValid')
            .map((r) => `${r.kind} ${r.name}: ${r.status} ${r.msg}`),
        });
      } catch {
        reject(new Error(`kubeconform printed no JSON report (exit ${code}): ${out}${err}`));
      }
    });
  });
}

async function validateObjects(name: string, objects: K8sObject[]): Promise<Result> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, objects.map((o) => stringify(o)).join('---\n'));
  return validate(file);
}

describe('kubeconform -strict against Kubernetes v1.34 and the operators CRD schemas', () => {
  before(async () => {
    kubeconform = await ensureTool('kubeconform');
    location = (await ensureSchemas()).location;
    dir = await mkdtemp(join(tmpdir(), 'shop-kubeconform-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  for (const overlay of OVERLAYS) {
    it(`overlay ${overlay}: every object is valid, none skipped`, async () => {
      const yaml = await renderYaml(overlay);
      const count = parseObjects(yaml).length;
      const file = join(dir, `${overlay}.yaml`);
      await writeFile(file, yaml);
      const result = await validate(file);
      assert.deepEqual(result.errors, [], `kubeconform on ${overlay}: ${result.summary}`);
      assert.equal(result.code, 0);
      assert.match(
        result.summary,
        new RegExp(`"valid":${count}\\b`),
        `not all ${count} objects valid: ${result.summary}`,
      );
    });
  }

  // Proof that the validation is strict: each mutation must be refused, naming its object.
  const mutations: { what: string; pick: (o: K8sObject) => boolean; mutate: (o: K8sObject) => void }[] = [
    {
      what: 'an unknown field in a Deployment (replicsa)',
      pick: (o) => o.kind === 'Deployment',
      mutate: (o) => ((o['spec'] as Record<string, unknown>)['replicsa'] = 3),
    },
    {
      what: 'a wrong type (containerPort "3001")',
      pick: (o) => o.kind === 'Deployment',
      mutate: (o) => {
        const spec = o['spec'] as {
          template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } };
        };
        spec.template.spec.containers[0]!.ports[0]!.containerPort = '3001';
      },
    },
    {
      what: 'a typo in a CloudNativePG Cluster (instance)',
      pick: (o) => o.kind === 'Cluster',
      mutate: (o) => ((o['spec'] as Record<string, unknown>)['instance'] = 3),
    },
    {
      what: 'a typo in a Strimzi KafkaNodePool (role instead of roles)',
      pick: (o) => o.kind === 'KafkaNodePool',
      mutate: (o) => ((o['spec'] as Record<string, unknown>)['role'] = ['broker']),
    },
    {
      what: 'a typo in an Istio DestinationRule (outlierDetections)',
      pick: (o) => o.kind === 'DestinationRule',
      mutate: (o) =>
        ((o['spec'] as { trafficPolicy: Record<string, unknown> }).trafficPolicy['outlierDetections'] = {}),
    },
    {
      what: 'a typo in a ServiceMonitor endpoint (intervall)',
      pick: (o) => o.kind === 'ServiceMonitor',
      mutate: (o) =>
        ((o['spec'] as { endpoints: Record<string, unknown>[] }).endpoints[0]!['intervall'] = '15s'),
    },
    {
      what: 'a typo in an ExternalSecret (secretStoreRefs)',
      pick: (o) => o.kind === 'ExternalSecret',
      mutate: (o) => ((o['spec'] as Record<string, unknown>)['secretStoreRefs'] = {}),
    },
  ];
  for (const m of mutations) {
    it(`refuses ${m.what}`, async () => {
      const objects = parseObjects(await renderYaml('eks'));
      const target = objects.find(m.pick);
      assert.ok(target, `no object to mutate for ${m.what}`);
      m.mutate(target);
      const result = await validateObjects('mutated', [target]);
      assert.notEqual(result.code, 0, `kubeconform accepted ${m.what}`);
      assert.equal(result.errors.length, 1, result.errors.join('\n'));
      assert.ok(
        result.errors[0]!.includes(target.metadata.name),
        `${result.errors[0]} does not name ${idOf(target)}`,
      );
      assert.match(result.errors[0]!, /statusInvalid/);
    });
  }
});
