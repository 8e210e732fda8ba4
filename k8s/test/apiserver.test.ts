import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runIsolated } from '@shop/testing';
import { stringify } from 'yaml';
import { K8S_ROOT } from '../src/generate.ts';
import type { ApplyJob, ApplyReport, PhaseResult } from '../src/apiserver.ts';
import { OVERLAYS, parseObjects, renderYaml, type K8sObject } from '../src/render.ts';
import { loadCrds } from '../src/schemas.ts';
import { ensureTool } from '../src/tools.ts';

type Json = Record<string, unknown>;
let dir: string;
let report: ApplyReport;
const counts = new Map<string, number>();
const phase = (name: string): PhaseResult => {
  const found = report.phases.find((p) => p.name === name);
  assert.ok(found, `no phase ${name}`);
  return found;
};

/** The mutations the API server must refuse (error) or warn about (admission), each in its own phase. */
function mutated(
  objects: K8sObject[],
  mutate: (o: K8sObject) => void,
  pick: (o: K8sObject) => boolean,
): K8sObject[] {
  const copy = structuredClone(objects);
  const target = copy.find(pick);
  assert.ok(target, 'nothing to mutate');
  mutate(target);
  return [copy.find((o) => o.kind === 'Namespace')!, target];
}

describe('the overlays on a real kube-apiserver + etcd (server-side apply, dry run, strict)', () => {
  before(
    async () => {
      // Cold, the API server is a ~10 minute build; CI starts it early in the background (.ci/run).
      // One at a time: each build takes both cores.
      const etcd = await ensureTool('etcd');
      const apiserver = await ensureTool('kube-apiserver');
      const kubectl = await ensureTool('kubectl');
      dir = await mkdtemp(join(tmpdir(), 'shop-apply-'));
      const crds = await loadCrds();
      await writeFile(join(dir, 'crds.yaml'), crds.map((c) => c.text).join('---\n'));
      const phases: ApplyJob['phases'] = [];
      for (const overlay of OVERLAYS) {
        const yaml = await renderYaml(overlay);
        counts.set(overlay, parseObjects(yaml).length);
        await writeFile(join(dir, `${overlay}.yaml`), yaml);
        phases.push({ name: overlay, file: join(dir, `${overlay}.yaml`) });
      }
      const kind = parseObjects(await renderYaml('kind'));
      const extra: Record<string, K8sObject[]> = {
        'privilege-escalation': mutated(
          kind,
          (o) => {
            const c = (o['spec'] as { template: { spec: { containers: Json[] } } }).template.spec
              .containers[0]!;
            (c['securityContext'] as Json)['allowPrivilegeEscalation'] = true;
          },
          (o) => o.kind === 'Deployment' && o.metadata.name === 'auth',
        ),
        'unknown-field': mutated(
          kind,
          (o) => ((o['spec'] as Json)['replicsa'] = 2),
          (o) => o.kind === 'Deployment' && o.metadata.name === 'order',
        ),
        'crd-typo': mutated(
          kind,
          (o) => ((o['spec'] as Json)['instance'] = 2),
          (o) => o.kind === 'Cluster' && o.metadata.name === 'order-shard-b',
        ),
      };
      for (const [name, objects] of Object.entries(extra)) {
        await writeFile(join(dir, `${name}.yaml`), objects.map((o) => stringify(o)).join('---\n'));
        phases.push({ name, file: join(dir, `${name}.yaml`) });
      }
      const job: ApplyJob = { etcd, apiserver, kubectl, crds: join(dir, 'crds.yaml'), phases };
      await writeFile(join(dir, 'job.json'), JSON.stringify(job));
      report = await runIsolated<ApplyReport>(
        join(K8S_ROOT, 'src', 'apiserver.ts'),
        [join(dir, 'job.json')],
        'the API server run',
      );
    },
    { timeout: 90 * 60_000 },
  );
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('applies the CRDs of every operator first', () => {
    assert.ok(report.crds >= 40, `only ${report.crds} CRDs`);
    // Istio's CRDs declare `format: binary` on some byte fields; nothing else may warn.
    assert.deepEqual(
      report.crdWarnings.filter((l) => l !== 'Warning: unrecognized format "binary"'),
      [],
      'unexpected warnings while applying the CRDs',
    );
  });

  for (const overlay of OVERLAYS) {
    it(`overlay ${overlay}: every object accepted, with no error and no warning`, () => {
      const result = phase(overlay);
      assert.deepEqual(result.stderr, [], `kubectl said on stderr (errors or admission warnings)`);
      assert.equal(result.code, 0);
      assert.equal(result.applied.length, counts.get(overlay), result.applied.join('\n'));
      assert.ok(
        result.applied.every((line) => line.endsWith('serverside-applied (server dry run)')),
        result.applied.join('\n'),
      );
    });
  }

  it('a container allowed to escalate privileges gets the Pod Security admission warning (which fails an overlay)', () => {
    const result = phase('privilege-escalation');
    assert.ok(
      result.stderr.some((l) =>
        /^Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation/.test(l),
      ),
      result.stderr.join('\n'),
    );
  });

  it('an unknown field is refused by the API server itself (strict field validation)', () => {
    const result = phase('unknown-field');
    assert.notEqual(result.code, 0);
    assert.ok(
      result.stderr.some((l) => l.includes('.spec.replicsa: field not declared in schema')),
      result.stderr.join('\n'),
    );
  });

  it('a typo in a custom resource is refused by its CRD schema', () => {
    const result = phase('crd-typo');
    assert.notEqual(result.code, 0);
    assert.ok(
      result.stderr.some((l) => l.includes('.spec.instance: field not declared in schema')),
      result.stderr.join('\n'),
    );
  });
});
