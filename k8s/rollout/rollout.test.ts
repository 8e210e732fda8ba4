import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runIsolated } from '@shop/testing';
import { stringify } from 'yaml';
import { K8S_ROOT } from '../src/generate.ts';
import { render } from '../src/render.ts';
import type { RolloutJob, RolloutReport } from '../src/rollout.ts';
import { ensureTool, goModuleDir } from '../src/tools.ts';
import { readFile } from 'node:fs/promises';

// The eks overlay's product Deployment (10 replicas, maxSurge 3, maxUnavailable 1) with its
// ServiceAccount and PodDisruptionBudget, on a real control plane with three kwok nodes in three zones.
const APP = 'product';
const NEW_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/product:0.1.1';

let dir: string;
let report: RolloutReport;

describe('rolling update, spread, PDB and rollback of the eks product Deployment (controllers, scheduler, kwok)', () => {
  before(
    async () => {
      const binaries = {
        etcd: await ensureTool('etcd'),
        apiserver: await ensureTool('kube-apiserver'),
        kubectl: await ensureTool('kubectl'),
        controllerManager: await ensureTool('kube-controller-manager'),
        scheduler: await ensureTool('kube-scheduler'),
        kwok: await ensureTool('kwok'),
      };
      const objects = await render('eks');
      const pick = (kind: string, name: string) => {
        const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
        assert.ok(o, `no ${kind} ${name} in the eks overlay`);
        return o;
      };
      dir = await mkdtemp(join(tmpdir(), 'shop-rollout-test-'));
      const manifest = join(dir, 'manifest.yaml');
      const chosen = [
        pick('Namespace', 'shop'),
        pick('ServiceAccount', APP),
        pick('PodDisruptionBudget', APP),
        pick('Deployment', APP),
      ];
      await writeFile(manifest, chosen.map((o) => stringify(o)).join('---\n'));
      // kwok plays nodes and kubelets by the Stages it is given: the module's "fast" ones.
      const kwokDir = await goModuleDir('sigs.k8s.io/kwok', 'v0.8.0');
      const stages = await Promise.all(
        [
          'node/fast/node-initialize.yaml',
          'pod/fast/pod-ready.yaml',
          'pod/fast/pod-complete.yaml',
          'pod/fast/pod-delete.yaml',
        ].map((file) => readFile(join(kwokDir, 'kustomize', 'stage', file), 'utf8')),
      );
      const kwokStages = join(dir, 'kwok-stages.yaml');
      await writeFile(kwokStages, stages.join('\n---\n'));
      const job: RolloutJob = {
        ...binaries,
        kwokStages,
        manifest,
        namespace: 'shop',
        deployment: APP,
        container: APP,
        newImage: NEW_IMAGE,
      };
      await writeFile(join(dir, 'job.json'), JSON.stringify(job));
      report = await runIsolated<RolloutReport>(
        join(K8S_ROOT, 'src', 'rollout.ts'),
        [join(dir, 'job.json')],
        'the rollout run',
      );
    },
    { timeout: 90 * 60_000 },
  );
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('the scheduler spreads the replicas over the three nodes and zones', () => {
    assert.equal(report.replicas, 10);
    assert.deepEqual(
      Object.keys(report.perZone).sort(),
      ['zone-a', 'zone-b', 'zone-c'],
      JSON.stringify(report.perNode),
    );
    for (const [node, count] of Object.entries(report.perNode))
      assert.ok(count >= 3 && count <= 4, `${node}: ${count} pods`);
  });

  it('during the update the ReplicaSets never ask for more than replicas + maxSurge pods, and never fewer than replicas - maxUnavailable are ready', () => {
    assert.ok(report.samples >= 2, `only ${report.samples} samples`);
    assert.ok(report.maxPods <= report.replicas + 3, `${report.maxPods} pods at once`);
    assert.ok(report.maxPods > report.replicas, `the surge was never seen (${report.maxPods} pods at most)`);
    assert.ok(report.minReady >= report.replicas - 1, `only ${report.minReady} ready at one point`);
    assert.equal(report.imageAfterUpdate, NEW_IMAGE);
  });

  it('kubectl rollout undo brings back the previous image', () => {
    assert.notEqual(report.imageBefore, NEW_IMAGE);
    assert.equal(report.imageAfterUndo, report.imageBefore);
  });

  it('a node drain evicts through the PodDisruptionBudget: never more than one pod unavailable', () => {
    assert.ok(report.drained, 'kubectl drain did not finish');
    assert.ok(report.minReadyDuringDrain >= report.replicas - 1, `only ${report.minReadyDuringDrain} ready`);
  });
});
