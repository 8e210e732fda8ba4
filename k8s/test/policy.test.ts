import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RULES, describe as describeViolation, violations } from '../src/policy.ts';
import { OVERLAYS, render, type K8sObject } from '../src/render.ts';

type Json = Record<string, unknown>;
const rendered = new Map<string, K8sObject[]>();
const copy = (overlay: string): K8sObject[] => structuredClone(rendered.get(overlay)!);
const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `no ${kind} ${name} to mutate`);
  return o;
};
const podSpec = (o: K8sObject): Json => (o['spec'] as { template: { spec: Json } }).template.spec;
const firstContainer = (o: K8sObject): Json => (podSpec(o)['containers'] as Json[])[0]!;

/** One mutation per rule: the rule must then report the mutated object (and it alone may fail). */
const MUTATIONS: Record<string, { overlay: string; object: string; mutate: (objects: K8sObject[]) => void }> =
  {
    'image-pinned': {
      overlay: 'kind',
      object: 'Deployment shop/order',
      mutate: (os) => (firstContainer(find(os, 'Deployment', 'order'))['image'] = 'shop/order:latest'),
    },
    'image-release-tag': {
      overlay: 'eks',
      object: 'Deployment shop/auth',
      mutate: (os) => (firstContainer(find(os, 'Deployment', 'auth'))['image'] = 'shop/auth:dev'),
    },
    'non-root': {
      overlay: 'kind',
      object: 'Deployment shop/product',
      mutate: (os) =>
        ((podSpec(find(os, 'Deployment', 'product'))['securityContext'] as Json)['runAsNonRoot'] = false),
    },
    probes: {
      overlay: 'kind',
      object: 'Deployment shop/gateway',
      mutate: (os) => delete firstContainer(find(os, 'Deployment', 'gateway'))['readinessProbe'],
    },
    resources: {
      overlay: 'kind',
      object: 'StatefulSet shop/redis',
      mutate: (os) =>
        delete (firstContainer(find(os, 'StatefulSet', 'redis'))['resources'] as Json)['limits'],
    },
    hpa: {
      overlay: 'eks',
      object: 'Deployment shop/payment',
      mutate: (os) => os.splice(os.indexOf(find(os, 'HorizontalPodAutoscaler', 'payment')), 1),
    },
    replicas: {
      overlay: 'eks',
      object: 'Deployment shop/auth',
      mutate: (os) => ((find(os, 'Deployment', 'auth')['spec'] as Json)['replicas'] = 2),
    },
    pdb: {
      overlay: 'kind',
      object: 'Deployment shop/web',
      mutate: (os) => os.splice(os.indexOf(find(os, 'PodDisruptionBudget', 'web')), 1),
    },
    'network-policies': {
      overlay: 'eks',
      object: 'Deployment shop/payment-sandbox',
      mutate: (os) => os.splice(os.indexOf(find(os, 'NetworkPolicy', 'payment-sandbox')), 1),
    },
    'secrets-by-reference': {
      overlay: 'kind',
      object: 'Deployment shop/payment',
      mutate: (os) =>
        (firstContainer(find(os, 'Deployment', 'payment'))['env'] as Json[]).push({
          name: 'PAYMENT_PROVIDER_API_KEY',
          value: 'sk_live_literal',
        }),
    },
    'rolling-update': {
      overlay: 'eks',
      object: 'Deployment shop/order',
      mutate: (os) => ((find(os, 'Deployment', 'order')['spec'] as Json)['strategy'] = { type: 'Recreate' }),
    },
    restricted: {
      overlay: 'kind',
      object: 'Job shop/auth-migrate',
      mutate: (os) =>
        ((firstContainer(find(os, 'Job', 'auth-migrate'))['securityContext'] as Json)[
          'allowPrivilegeEscalation'
        ] = true),
    },
    'ops-ports-internal': {
      overlay: 'kind',
      object: 'Service shop/gateway-public',
      mutate: (os) =>
        (find(os, 'Service', 'gateway-public')['spec'] as { ports: Json[] }).ports.push({
          name: 'ops',
          port: 18080,
          targetPort: 'ops',
          nodePort: 30081,
        }),
    },
    'service-account-token': {
      overlay: 'eks',
      object: 'Deployment shop/product',
      mutate: (os) => delete podSpec(find(os, 'Deployment', 'product'))['automountServiceAccountToken'],
    },
    'graceful-shutdown': {
      overlay: 'kind',
      object: 'Deployment shop/auth',
      mutate: (os) => (podSpec(find(os, 'Deployment', 'auth'))['terminationGracePeriodSeconds'] = 10),
    },
    'connection-budget': {
      overlay: 'eks',
      object: 'Deployment shop/order',
      mutate: (os) => ((find(os, 'HorizontalPodAutoscaler', 'order')['spec'] as Json)['maxReplicas'] = 120),
    },
    mesh: {
      overlay: 'eks',
      object: 'Deployment shop/order',
      mutate: (os) => os.splice(os.indexOf(find(os, 'AuthorizationPolicy', 'order')), 1),
    },
  };

describe('policy: the seed checklist over the rendered overlays', () => {
  before(async () => {
    for (const overlay of OVERLAYS) rendered.set(overlay, await render(overlay));
  });

  for (const overlay of OVERLAYS) {
    for (const rule of RULES.filter((r) => r.overlays === undefined || r.overlays.includes(overlay))) {
      it(`${overlay}: ${rule.item} (${rule.name})`, () => {
        const found = violations(rendered.get(overlay)!, overlay, [rule]);
        assert.deepEqual(found.map(describeViolation), []);
      });
    }
  }

  for (const rule of RULES) {
    it(`${rule.name} fails on a mutated object`, () => {
      const m = MUTATIONS[rule.name];
      assert.ok(m, `rule ${rule.name} has no mutation proving it can fail`);
      const objects = copy(m.overlay);
      m.mutate(objects);
      const found = violations(objects, m.overlay, [rule]);
      assert.ok(found.length > 0, `${rule.name} did not notice the mutation of ${m.object}`);
      assert.ok(
        found.every((v) => v.object === m.object),
        `${rule.name} named other objects too: ${found.map(describeViolation).join('; ')}`,
      );
      assert.ok(found.every((v) => v.rule === rule.name));
    });
  }
});
