// The seed's "rolling updates configured" and "tested rollback", on a real control plane: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler (built from the pinned module by tools.ts),
// with kwok playing three nodes in three zones (it marks the scheduled pods running and ready). Inside
// `unshare -n` like apiserver.ts; the test runs `unshare -n node k8s/src/rollout.ts <job.json>`.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { log, start, startControlPlane, stopAll, tailOf, type Kubectl } from './apiserver.ts';

export interface RolloutJob {
  etcd: string;
  apiserver: string;
  kubectl: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
  /** kwok's Stage objects (the module's "fast" stages: nodes Ready, pods Ready, deleted pods gone). */
  kwokStages: string;
  /** The Namespace, ServiceAccount, PodDisruptionBudget and Deployment under test. */
  manifest: string;
  namespace: string;
  deployment: string;
  container: string;
  newImage: string;
}

export interface RolloutReport {
  replicas: number;
  /** Pods per node and per zone once the first rollout is complete. */
  perNode: Record<string, number>;
  perZone: Record<string, number>;
  /** Over the whole update: the most pods the ReplicaSets asked for at once, the fewest ready pods, the samples. */
  maxPods: number;
  minReady: number;
  samples: number;
  imageBefore: string;
  imageAfterUpdate: string;
  imageAfterUndo: string;
  /** During a drain of one node (evictions honour the PodDisruptionBudget): the fewest ready pods. */
  minReadyDuringDrain: number;
  drained: boolean;
}

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string; containers: { image: string }[] };
    status: { phase?: string; conditions?: { type: string; status: string }[] };
  }[];
}

async function json<T>(kubectl: Kubectl, args: string[]): Promise<T> {
  const result = await kubectl([...args, '-o', 'json'], 30_000);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function must(kubectl: Kubectl, args: string[], timeoutMs?: number): Promise<string> {
  const result = await kubectl(args, timeoutMs);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

async function rolloutTest(job: RolloutJob): Promise<RolloutReport> {
  const dir = await mkdtemp(join(tmpdir(), 'shop-rollout-'));
  const children: ChildProcess[] = [];
  try {
    const { kubectl, kubeconfig } = await startControlPlane(job, dir, children);
    const common = [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1'];
    children.push(
      start(
        job.controllerManager,
        [
          ...common,
          `--service-account-private-key-file=${join(dir, 'sa.key')}`,
          '--use-service-account-credentials=false',
        ],
        join(dir, 'controller-manager.log'),
      ),
    );
    children.push(start(job.scheduler, common, join(dir, 'scheduler.log')));
    const kwok = start(
      job.kwok,
      [
        `--kubeconfig=${kubeconfig}`,
        `--config=${job.kwokStages}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        '--cidr=10.0.0.1/24',
        '--node-ip=10.0.0.1',
        '--server-address=127.0.0.1:10247',
      ],
      join(dir, 'kwok.log'),
    );
    children.push(kwok);

    const nodes = ZONES.map((zone, i) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: `kwok-${i}`,
        annotations: { 'kwok.x-k8s.io/node': 'fake' },
        labels: {
          'kubernetes.io/hostname': `kwok-${i}`,
          'kubernetes.io/os': 'linux',
          'topology.kubernetes.io/zone': zone,
          type: 'kwok',
        },
      },
      status: {
        allocatable: { cpu: '32', memory: '64Gi', pods: '110' },
        capacity: { cpu: '32', memory: '64Gi', pods: '110' },
      },
    }));
    await writeFile(
      join(dir, 'nodes.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes }),
    );
    await must(kubectl, ['apply', '-f', join(dir, 'nodes.json')]);
    await must(kubectl, ['wait', '--for=condition=Ready', 'node', '--all', '--timeout=60s'], 70_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nkwok:\n${tailOf(kwok)}`);
      },
    );
    log('three kwok nodes ready');

    // The namespace's default ServiceAccount is made by the controller manager; wait for it before pods.
    await must(kubectl, ['apply', '--server-side', '-f', job.manifest]);
    const ns = ['-n', job.namespace];
    const deploy = `deployment/${job.deployment}`;
    await must(kubectl, [...ns, 'rollout', 'status', deploy, '--timeout=120s'], 130_000);
    const spec = await json<{
      spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
    }>(kubectl, [...ns, 'get', deploy]);
    const replicas = spec.spec.replicas;
    const imageBefore = spec.spec.template.spec.containers[0]!.image;
    const zoneOf = Object.fromEntries(
      nodes.map((n) => [n.metadata.name, n.metadata.labels['topology.kubernetes.io/zone']]),
    );
    const pods = async (): Promise<PodList['items']> =>
      (await json<PodList>(kubectl, [...ns, 'get', 'pods', '-l', `app.kubernetes.io/name=${job.deployment}`]))
        .items;
    const ready = (p: PodList['items'][number]): boolean =>
      p.metadata.deletionTimestamp === undefined &&
      (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const perNode: Record<string, number> = {};
    const perZone: Record<string, number> = {};
    for (const p of await pods()) {
      const node = p.spec.nodeName ?? 'unscheduled';
      perNode[node] = (perNode[node] ?? 0) + 1;
      perZone[zoneOf[node] ?? node] = (perZone[zoneOf[node] ?? node] ?? 0) + 1;
    }
    log(`first rollout done: ${JSON.stringify(perNode)}`);

    // The update, sampled while it runs: the pods that exist (not terminating) and the ready ones.
    await must(kubectl, [...ns, 'set', 'image', deploy, `${job.container}=${job.newImage}`]);
    let maxPods = 0;
    let minReady = Number.POSITIVE_INFINITY;
    let samples = 0;
    const deadline = Date.now() + 180_000;
    for (;;) {
      // What the Deployment controller bounds: the pods its ReplicaSets ask for (old ones not yet scaled down
      // included); and what the clients see: the pods ready at that moment.
      const sets = await json<{ items: { spec: { replicas?: number } }[] }>(kubectl, [
        ...ns,
        'get',
        'replicasets',
        '-l',
        `app.kubernetes.io/name=${job.deployment}`,
      ]);
      const desired = sets.items.reduce((sum, rs) => sum + (rs.spec.replicas ?? 0), 0);
      const now = await pods();
      const alive = now.filter(
        (p) =>
          p.metadata.deletionTimestamp === undefined &&
          p.status.phase !== 'Succeeded' &&
          p.status.phase !== 'Failed',
      );
      maxPods = Math.max(maxPods, desired);
      minReady = Math.min(minReady, now.filter(ready).length);
      samples += 1;
      const d = await json<{
        status: { updatedReplicas?: number; availableReplicas?: number; replicas?: number };
      }>(kubectl, [...ns, 'get', deploy]);
      if (
        d.status.updatedReplicas === replicas &&
        d.status.availableReplicas === replicas &&
        d.status.replicas === replicas &&
        alive.length === replicas
      )
        break;
      if (Date.now() > deadline)
        throw new Error(`the update did not finish in 180 s: ${JSON.stringify(d.status)}`);
      await sleep(100);
    }
    const imageAfterUpdate = (await pods())[0]!.spec.containers[0]!.image;
    log(`update done: at most ${maxPods} pods, at least ${minReady} ready, ${samples} samples`);

    await must(kubectl, [...ns, 'rollout', 'undo', deploy]);
    await must(kubectl, [...ns, 'rollout', 'status', deploy, '--timeout=120s'], 130_000);
    const after = await json<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(kubectl, [
      ...ns,
      'get',
      deploy,
    ]);
    const imageAfterUndo = after.spec.template.spec.containers[0]!.image;

    // A node drain evicts through the PodDisruptionBudget (maxUnavailable 1): sampled the same way.
    const victim = Object.entries(perNode).sort((a, b) => b[1] - a[1])[0]![0];
    const drain = kubectl(
      ['drain', victim, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=120s'],
      130_000,
    );
    let minReadyDuringDrain = Number.POSITIVE_INFINITY;
    let drainDone: { code: number } | undefined;
    void drain.then((r) => (drainDone = r));
    while (drainDone === undefined) {
      minReadyDuringDrain = Math.min(minReadyDuringDrain, (await pods()).filter(ready).length);
      await sleep(100);
    }
    return {
      replicas,
      perNode,
      perZone,
      maxPods,
      minReady,
      samples,
      imageBefore,
      imageAfterUpdate,
      imageAfterUndo,
      minReadyDuringDrain,
      drained: drainDone.code === 0,
    };
  } finally {
    await stopAll(children);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const jobFile = process.argv[2];
  try {
    if (jobFile === undefined) throw new Error('usage: unshare -n node k8s/src/rollout.ts <job.json>');
    const job = JSON.parse(await readFile(jobFile, 'utf8')) as RolloutJob;
    process.stdout.write(`${JSON.stringify(await rolloutTest(job))}\n`);
  } catch (error) {
    process.stderr.write(
      `[k8s rollout] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
