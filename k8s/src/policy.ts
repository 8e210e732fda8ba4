// The seed's production checklist (and issue 13's additions) as rules over rendered objects. Each rule
// returns its violations, naming the object and what is wrong; the tests assert none for every overlay and
// that each rule catches a mutated object.
import { APPS } from './apps.ts';
import { idOf, type K8sObject } from './render.ts';

export interface Violation {
  rule: string;
  object: string;
  message: string;
}
type Json = Record<string, unknown>;

export interface Rule {
  name: string;
  /** The checklist item it checks. */
  item: string;
  /** Overlays it applies to (all when absent). */
  overlays?: string[];
  check: (objects: K8sObject[]) => { object: string; message: string }[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'CronJob']);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
export const CRITICAL = ['web', 'gateway', 'auth', 'product', 'order', 'payment'];

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Json)[k] : undefined), o);
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export interface PodTemplate {
  owner: K8sObject;
  labels: Record<string, string>;
  spec: Json;
}

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .map((o) => {
      const template = (
        o.kind === 'CronJob' ? get(o, 'spec', 'jobTemplate', 'spec', 'template') : get(o, 'spec', 'template')
      ) as Json;
      return {
        owner: o,
        labels: (get(template, 'metadata', 'labels') ?? {}) as Record<string, string>,
        spec: (get(template, 'spec') ?? {}) as Json,
      };
    });
}
const containersOf = (spec: Json): Json[] => [...arr(spec['initContainers']), ...arr(spec['containers'])];

function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (selector === null || typeof selector !== 'object') return false;
  const match = (get(selector, 'matchLabels') ?? {}) as Record<string, string>;
  if (!Object.entries(match).every(([k, v]) => labels[k] === v)) return false;
  return arr(get(selector, 'matchExpressions')).every((e) => {
    const value = labels[e['key'] as string];
    const values = (e['values'] ?? []) as string[];
    switch (e['operator']) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}

const appOf = (o: K8sObject): string | undefined => o.metadata.labels?.['app.kubernetes.io/name'];
const isAppDeployment = (o: K8sObject): boolean =>
  o.kind === 'Deployment' && APPS.some((a) => a.name === appOf(o)) && o.metadata.name === appOf(o);

const POSTGRES_RESERVED_CONNECTIONS = 20;
/** The platform's default pool (libs/database/src/database-env.ts). */
const DEFAULT_POOL_SIZE = 10;

/** The most pods of a Deployment at once: its autoscaler's maximum (else its replicas) plus the surge. */
function mostPods(objects: K8sObject[], d: K8sObject): number {
  const hpa = objects.find(
    (o) =>
      o.kind === 'HorizontalPodAutoscaler' &&
      get(o, 'spec', 'scaleTargetRef', 'kind') === 'Deployment' &&
      get(o, 'spec', 'scaleTargetRef', 'name') === d.metadata.name,
  );
  const most = Number(get(hpa, 'spec', 'maxReplicas') ?? get(d, 'spec', 'replicas') ?? 1);
  const surge = get(d, 'spec', 'strategy', 'rollingUpdate', 'maxSurge');
  return (
    most + (typeof surge === 'number' ? surge : Math.ceil((most * parseInt(String(surge ?? '25'), 10)) / 100))
  );
}

/** DATABASE_POOL_SIZE from the container's env, else from a ConfigMap it loads, else the default. */
function poolSize(objects: K8sObject[], spec: Json): number {
  for (const c of arr(spec['containers'])) {
    const direct = arr(c['env']).find((e) => e['name'] === 'DATABASE_POOL_SIZE');
    if (direct?.['value'] !== undefined) return Number(direct['value']);
    for (const from of arr(c['envFrom'])) {
      const name = get(from, 'configMapRef', 'name');
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
      const value = get(map, 'data', 'DATABASE_POOL_SIZE');
      if (value !== undefined) return Number(value);
    }
  }
  return DEFAULT_POOL_SIZE;
}

const SECRET_NAME = /(PASSWORD|SECRET|API_KEY|SIGNING_KEYS|PRIVATE_KEY|CREDENTIALS?)$/i;
const CREDENTIAL_URL = /:\/\/[^/\s:@]+:[^/\s@]+@/;
const OPS_PORTS = new Set(APPS.filter((a) => a.ops).map((a) => a.port + 10000));

export const RULES: Rule[] = [
  {
    name: 'image-pinned',
    item: 'images referenced by digest or an immutable tag (no latest)',
    check: (objects) =>
      podTemplates(objects).flatMap(({ owner, spec }) =>
        containersOf(spec).flatMap((c) => {
          const image = String(c['image'] ?? '');
          const digest = image.includes('@sha256:');
          const tag = /:([^/:@]+)$/.exec(image)?.[1];
          if (digest) return [];
          if (tag === undefined || tag === 'latest')
            return [
              {
                object: idOf(owner),
                message: `container ${String(c['name'])} image ${image} has no tag or digest (or latest)`,
              },
            ];
          return [];
        }),
      ),
  },
  {
    name: 'image-release-tag',
    item: 'production images are a release (semantic version) or a digest',
    overlays: ['eks'],
    check: (objects) =>
      podTemplates(objects).flatMap(({ owner, spec }) =>
        containersOf(spec).flatMap((c) => {
          const image = String(c['image'] ?? '');
          if (image.includes('@sha256:') || /:v?\d+\.\d+\.\d+[^/:]*$/.test(image)) return [];
          return [
            {
              object: idOf(owner),
              message: `container ${String(c['name'])} image ${image} is not a release tag or digest`,
            },
          ];
        }),
      ),
  },
  {
    name: 'non-root',
    item: 'non-root user in all containers',
    check: (objects) =>
      podTemplates(objects).flatMap(({ owner, spec }) =>
        containersOf(spec).flatMap((c) => {
          const nonRoot =
            get(c, 'securityContext', 'runAsNonRoot') ?? get(spec, 'securityContext', 'runAsNonRoot');
          const uid = get(c, 'securityContext', 'runAsUser') ?? get(spec, 'securityContext', 'runAsUser');
          if (nonRoot === true && uid !== 0) return [];
          return [
            {
              object: idOf(owner),
              message: `container ${String(c['name'])}: runAsNonRoot is not true (or runAsUser is 0)`,
            },
          ];
        }),
      ),
  },
  {
    name: 'probes',
    item: 'health checks (liveness + readiness), and a startup probe',
    check: (objects) =>
      podTemplates(objects)
        .filter((t) => LONG_RUNNING.has(t.owner.kind))
        .flatMap(({ owner, spec }) =>
          arr(spec['containers']).flatMap((c) =>
            ['livenessProbe', 'readinessProbe', 'startupProbe']
              .filter((p) => c[p] === undefined)
              .map((p) => ({ object: idOf(owner), message: `container ${String(c['name'])} has no ${p}` })),
          ),
        ),
  },
  {
    name: 'resources',
    item: 'resource requests and limits on ALL containers',
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      for (const { owner, spec } of podTemplates(objects)) {
        for (const c of containersOf(spec)) {
          for (const kind of ['requests', 'limits']) {
            for (const resource of ['cpu', 'memory']) {
              if (get(c, 'resources', kind, resource) === undefined) {
                out.push({
                  object: idOf(owner),
                  message: `container ${String(c['name'])} has no ${kind}.${resource}`,
                });
              }
            }
          }
        }
      }
      // The operators' pods: their resources come from the custom resources.
      for (const o of objects.filter((x) => x.kind === 'Cluster' || x.kind === 'KafkaNodePool')) {
        for (const kind of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) {
            if (get(o, 'spec', 'resources', kind, resource) === undefined) {
              out.push({ object: idOf(o), message: `spec.resources has no ${kind}.${resource}` });
            }
          }
        }
      }
      return out;
    },
  },
  {
    name: 'hpa',
    item: 'horizontal autoscaling (HPA) per app, scaling up fast and down slowly',
    check: (objects) => {
      const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
      return objects.filter(isAppDeployment).flatMap((d) => {
        const hpa = hpas.find((h) => get(h, 'spec', 'scaleTargetRef', 'name') === d.metadata.name);
        if (hpa === undefined) return [{ object: idOf(d), message: 'no HorizontalPodAutoscaler targets it' }];
        const up = get(hpa, 'spec', 'behavior', 'scaleUp', 'stabilizationWindowSeconds');
        const down = get(hpa, 'spec', 'behavior', 'scaleDown', 'stabilizationWindowSeconds');
        if (typeof up !== 'number' || typeof down !== 'number' || up >= down) {
          return [
            {
              object: idOf(hpa),
              message: `scale-up window (${String(up)}) must be shorter than scale-down (${String(down)})`,
            },
          ];
        }
        if (get(hpa, 'spec', 'minReplicas') !== get(d, 'spec', 'replicas')) {
          return [{ object: idOf(hpa), message: 'minReplicas differs from the Deployment replicas' }];
        }
        return [];
      });
    },
  },
  {
    name: 'replicas',
    item: '3+ replicas for critical services (and 3 of each data server) in production',
    overlays: ['eks'],
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      for (const o of objects) {
        const app = appOf(o);
        if (o.kind === 'Deployment' && isAppDeployment(o) && CRITICAL.includes(app!)) {
          if (Number(get(o, 'spec', 'replicas')) < 3)
            out.push({ object: idOf(o), message: 'fewer than 3 replicas' });
        }
        if (
          o.kind === 'HorizontalPodAutoscaler' &&
          CRITICAL.includes(String(get(o, 'spec', 'scaleTargetRef', 'name')))
        ) {
          if (Number(get(o, 'spec', 'minReplicas')) < 3)
            out.push({ object: idOf(o), message: 'minReplicas below 3' });
        }
        if (o.kind === 'Cluster' && Number(get(o, 'spec', 'instances')) < 3)
          out.push({ object: idOf(o), message: 'fewer than 3 PostgreSQL instances' });
        if (
          (o.kind === 'KafkaNodePool' || o.kind === 'StatefulSet') &&
          Number(get(o, 'spec', 'replicas')) < 3
        )
          out.push({ object: idOf(o), message: 'fewer than 3 replicas' });
      }
      return out;
    },
  },
  {
    name: 'pdb',
    item: 'pod disruption budgets (one covers every Deployment and StatefulSet)',
    check: (objects) => {
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
      return podTemplates(objects)
        .filter((t) => LONG_RUNNING.has(t.owner.kind))
        .filter(
          (t) =>
            !pdbs.some(
              (p) =>
                p.metadata.namespace === t.owner.metadata.namespace &&
                selects(get(p, 'spec', 'selector'), t.labels),
            ),
        )
        .map((t) => ({ object: idOf(t.owner), message: 'no PodDisruptionBudget selects its pods' }));
    },
  },
  {
    name: 'network-policies',
    item: 'network policies: default deny, and a policy naming every pod',
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
        const deny = policies.find(
          (p) =>
            p.metadata.namespace === ns.metadata.name &&
            Object.keys((get(p, 'spec', 'podSelector') ?? {}) as Json).length === 0 &&
            ((get(p, 'spec', 'policyTypes') ?? []) as string[]).includes('Ingress') &&
            ((get(p, 'spec', 'policyTypes') ?? []) as string[]).includes('Egress') &&
            get(p, 'spec', 'ingress') === undefined &&
            get(p, 'spec', 'egress') === undefined,
        );
        if (deny === undefined)
          out.push({ object: idOf(ns), message: 'no default-deny (ingress and egress) NetworkPolicy' });
      }
      const specific = policies.filter(
        (p) => Object.keys((get(p, 'spec', 'podSelector') ?? {}) as Json).length > 0,
      );
      for (const t of podTemplates(objects)) {
        if (
          !specific.some(
            (p) =>
              p.metadata.namespace === t.owner.metadata.namespace &&
              selects(get(p, 'spec', 'podSelector'), t.labels),
          )
        ) {
          out.push({ object: idOf(t.owner), message: 'no NetworkPolicy selects its pods' });
        }
      }
      for (const o of objects.filter((x) => x.kind === 'Cluster')) {
        const labels = { 'cnpg.io/cluster': o.metadata.name };
        if (!specific.some((p) => selects(get(p, 'spec', 'podSelector'), labels)))
          out.push({ object: idOf(o), message: 'no NetworkPolicy selects its instances (cnpg.io/cluster)' });
      }
      return out;
    },
  },
  {
    name: 'secrets-by-reference',
    item: 'secrets in Kubernetes Secrets, referenced (never a literal value in the manifests)',
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      for (const o of objects) {
        if (o.kind === 'Secret' && (o['data'] !== undefined || o['stringData'] !== undefined)) {
          out.push({ object: idOf(o), message: 'a Secret with literal data in the manifests' });
        }
        if (o.kind === 'ConfigMap') {
          for (const [key, value] of Object.entries((o['data'] ?? {}) as Record<string, string>)) {
            if (SECRET_NAME.test(key) || CREDENTIAL_URL.test(value))
              out.push({
                object: idOf(o),
                message: `data.${key} looks like a secret: reference a Secret instead`,
              });
          }
        }
      }
      for (const { owner, spec } of podTemplates(objects)) {
        for (const c of containersOf(spec)) {
          for (const e of arr(c['env'])) {
            const name = String(e['name']);
            if (e['value'] === undefined) continue;
            const value = String(e['value']);
            const composed = /^(\$\([A-Z0-9_]+\)|[^$])*$/.test(value) && value.includes('$(');
            if (
              (SECRET_NAME.test(name) && !name.endsWith('_FILE')) ||
              (CREDENTIAL_URL.test(value) && !composed)
            ) {
              out.push({
                object: idOf(owner),
                message: `container ${String(c['name'])} env ${name} is a literal secret`,
              });
            }
          }
        }
      }
      return out;
    },
  },
  {
    name: 'rolling-update',
    item: 'rolling updates configured (maxSurge 3, maxUnavailable 1 as in the seed)',
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'Deployment')
        .flatMap((d) => {
          const s = get(d, 'spec', 'strategy') as Json | undefined;
          if (
            s?.['type'] === 'RollingUpdate' &&
            get(s, 'rollingUpdate', 'maxSurge') === 3 &&
            get(s, 'rollingUpdate', 'maxUnavailable') === 1
          )
            return [];
          return [
            {
              object: idOf(d),
              message: `strategy ${JSON.stringify(s)} is not RollingUpdate with maxSurge 3, maxUnavailable 1`,
            },
          ];
        }),
  },
  {
    name: 'restricted',
    item: 'the Pod Security Standard "restricted" plus a read-only root filesystem',
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      const bad = (o: K8sObject, message: string): number => out.push({ object: idOf(o), message });
      const allowedVolumes = new Set([
        'configMap',
        'csi',
        'downwardAPI',
        'emptyDir',
        'ephemeral',
        'persistentVolumeClaim',
        'projected',
        'secret',
      ]);
      for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
        if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted')
          bad(ns, 'not labelled pod-security.kubernetes.io/enforce: restricted');
      }
      for (const { owner, spec } of podTemplates(objects)) {
        for (const key of ['hostNetwork', 'hostPID', 'hostIPC'])
          if (spec[key] === true) bad(owner, `${key} is set`);
        for (const v of arr(spec['volumes'])) {
          const type = Object.keys(v).find((k) => k !== 'name');
          if (type === undefined || !allowedVolumes.has(type))
            bad(owner, `volume ${String(v['name'])} is of type ${type}`);
        }
        const podSeccomp = get(spec, 'securityContext', 'seccompProfile', 'type');
        for (const c of containersOf(spec)) {
          const sc = (c['securityContext'] ?? {}) as Json;
          const name = `container ${String(c['name'])}`;
          if (sc['allowPrivilegeEscalation'] !== false)
            bad(owner, `${name}: allowPrivilegeEscalation is not false`);
          if (sc['privileged'] === true) bad(owner, `${name}: privileged`);
          const drop = (get(sc, 'capabilities', 'drop') ?? []) as string[];
          if (!drop.includes('ALL')) bad(owner, `${name}: capabilities do not drop ALL`);
          const add = (get(sc, 'capabilities', 'add') ?? []) as string[];
          if (add.some((cap) => cap !== 'NET_BIND_SERVICE'))
            bad(owner, `${name}: adds capabilities ${add.join(',')}`);
          const seccomp = get(sc, 'seccompProfile', 'type') ?? podSeccomp;
          if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
            bad(owner, `${name}: seccompProfile is not RuntimeDefault`);
          if (sc['readOnlyRootFilesystem'] !== true) bad(owner, `${name}: root filesystem is writable`);
          if (arr(c['ports']).some((p) => p['hostPort'] !== undefined))
            bad(owner, `${name}: uses a hostPort`);
        }
      }
      return out;
    },
  },
  {
    name: 'ops-ports-internal',
    item: 'no Service or Ingress exposes an operational port publicly',
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      for (const s of objects.filter((o) => o.kind === 'Service')) {
        const type = String(get(s, 'spec', 'type') ?? 'ClusterIP');
        const metrics = s.metadata.name.endsWith('-metrics');
        for (const p of arr(get(s, 'spec', 'ports'))) {
          const ops =
            p['targetPort'] === 'ops' ||
            OPS_PORTS.has(Number(p['targetPort'] ?? p['port'])) ||
            OPS_PORTS.has(Number(p['port']));
          if (ops && (!metrics || type !== 'ClusterIP'))
            out.push({
              object: idOf(s),
              message: `port ${String(p['name'])} (${String(p['port'])}) is an operational port on a ${metrics ? type : 'public'} Service`,
            });
        }
      }
      for (const i of objects.filter((o) => o.kind === 'Ingress')) {
        for (const rule of arr(get(i, 'spec', 'rules'))) {
          for (const path of arr(get(rule, 'http', 'paths'))) {
            const service = get(path, 'backend', 'service') as Json;
            const port = get(service, 'port', 'name') ?? get(service, 'port', 'number');
            if (String(service['name']).endsWith('-metrics') || port === 'ops' || OPS_PORTS.has(Number(port)))
              out.push({ object: idOf(i), message: `routes ${String(path['path'])} to an operational port` });
          }
        }
      }
      return out;
    },
  },
  {
    name: 'service-account-token',
    item: 'no service account token unless needed',
    check: (objects) =>
      podTemplates(objects)
        .filter(({ spec }) => spec['automountServiceAccountToken'] !== false)
        .map(({ owner }) => ({ object: idOf(owner), message: 'automountServiceAccountToken is not false' })),
  },
  {
    name: 'graceful-shutdown',
    item: 'terminationGracePeriodSeconds and a preStop matched to the drain time',
    check: (objects) =>
      objects
        .filter((o) => o.kind === 'Deployment')
        .flatMap((d) => {
          const spec = get(d, 'spec', 'template', 'spec') as Json;
          const grace = Number(spec['terminationGracePeriodSeconds'] ?? 30);
          return arr(spec['containers']).flatMap((c) => {
            const sleep = Number(get(c, 'lifecycle', 'preStop', 'sleep', 'seconds') ?? NaN);
            if (!Number.isFinite(sleep))
              return [{ object: idOf(d), message: `container ${String(c['name'])} has no preStop sleep` }];
            const app = APPS.find((a) => a.name === appOf(d));
            const drain =
              app?.ops === true
                ? (Number(app.config['SHUTDOWN_DRAIN_DELAY_MS']) +
                    Number(app.config['SHUTDOWN_TIMEOUT_MS'])) /
                  1000
                : 0;
            if (sleep + drain >= grace)
              return [
                {
                  object: idOf(d),
                  message: `preStop ${sleep}s + drain and shutdown ${drain}s do not fit in the ${grace}s grace period`,
                },
              ];
            return [];
          });
        }),
  },
  {
    name: 'connection-budget',
    item: 'at the most pods the autoscaler and a rolling update allow, the pools fit in each PostgreSQL server',
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      for (const cluster of objects.filter(
        (o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io'),
      )) {
        const max = Number(get(cluster, 'spec', 'postgresql', 'parameters', 'max_connections') ?? 100);
        // CloudNativePG's own (the operator, replication, the superuser reserve) and a migration Job's.
        const budget = max - POSTGRES_RESERVED_CONNECTIONS;
        const users = objects
          .filter((o) => o.kind === 'Deployment')
          .flatMap((d) => {
            const spec = get(d, 'spec', 'template', 'spec') as Json;
            const uses = containersOf(spec).some((c) =>
              arr(c['env']).some(
                (e) => get(e, 'valueFrom', 'secretKeyRef', 'name') === `${cluster.metadata.name}-app`,
              ),
            );
            if (!uses) return [];
            const pods = mostPods(objects, d);
            const pool = poolSize(objects, spec);
            return [{ d, pods, pool, connections: pods * pool }];
          });
        const total = users.reduce((sum, u) => sum + u.connections, 0);
        if (total > budget)
          for (const u of users)
            out.push({
              object: idOf(u.d),
              message:
                `${u.pods} pods x DATABASE_POOL_SIZE ${u.pool} = ${u.connections} connections to ${cluster.metadata.name}; ` +
                `all its users together ${total} > ${budget} (max_connections ${max} - ${POSTGRES_RESERVED_CONNECTIONS} reserved): ` +
                'lower the pool, the autoscaler maximum or raise max_connections (or put PgBouncer in front)',
            });
      }
      return out;
    },
  },
  {
    name: 'mesh',
    item: 'Istio: STRICT mTLS, an AuthorizationPolicy and a DestinationRule with outlier detection per service',
    check: (objects) => {
      const out: { object: string; message: string }[] = [];
      const peer = objects.find((o) => o.kind === 'PeerAuthentication' && o.metadata.name === 'default');
      if (get(peer, 'spec', 'mtls', 'mode') !== 'STRICT' || get(peer, 'spec', 'selector') !== undefined)
        out.push({
          object: peer === undefined ? 'PeerAuthentication default' : idOf(peer),
          message: 'the namespace default is not STRICT mTLS',
        });
      for (const d of objects.filter(isAppDeployment)) {
        const labels = (get(d, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, string>;
        if (
          !objects.some(
            (o) => o.kind === 'AuthorizationPolicy' && selects(get(o, 'spec', 'selector'), labels),
          )
        )
          out.push({ object: idOf(d), message: 'no AuthorizationPolicy selects its pods' });
        const dr = objects.find(
          (o) => o.kind === 'DestinationRule' && String(get(o, 'spec', 'host')).startsWith(`${appOf(d)}.`),
        );
        if (get(dr, 'spec', 'trafficPolicy', 'outlierDetection') === undefined)
          out.push({ object: idOf(d), message: 'no DestinationRule with outlier detection for its host' });
      }
      return out;
    },
  },
];

export function violations(objects: K8sObject[], overlay: string, rules: Rule[] = RULES): Violation[] {
  return rules
    .filter((r) => r.overlays === undefined || r.overlays.includes(overlay))
    .flatMap((r) => r.check(objects).map((v) => ({ rule: r.name, ...v })));
}

export const describe = (v: Violation): string => `${v.rule}: ${v.object}: ${v.message}`;
