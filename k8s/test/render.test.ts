import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { K8S_ROOT, generate } from '../src/generate.ts';
import { OVERLAYS, idOf, render } from '../src/render.ts';

const REPO = join(K8S_ROOT, '..');

describe('k8s manifests', () => {
  it('the committed base and components are exactly what k8s/src/generate.ts writes', async () => {
    const files = await generate();
    const stale: string[] = [];
    for (const [path, text] of files) {
      const committed = await readFile(join(K8S_ROOT, path), 'utf8').catch(() => '(missing)');
      if (committed !== text) stale.push(path);
    }
    assert.deepEqual(
      stale,
      [],
      `stale: run \`npm run generate -w @shop/k8s\` and commit (${stale.join(', ')})`,
    );
  });

  for (const overlay of OVERLAYS) {
    it(`overlay ${overlay} renders with kustomize, every object namespaced in shop and named once`, async () => {
      const objects = await render(overlay);
      assert.ok(objects.length > 100, `only ${objects.length} objects`);
      const ids = objects.map(idOf);
      assert.deepEqual(
        ids.filter((id, i) => ids.indexOf(id) !== i),
        [],
        'duplicate objects',
      );
      const clusterScoped = new Set(['Namespace', 'StorageClass']);
      const stray = objects
        .filter((o) => !clusterScoped.has(o.kind) && o.metadata.namespace !== 'shop')
        .map(idOf);
      assert.deepEqual(stray, [], 'objects outside the shop namespace');
    });

    it(`overlay ${overlay}: the PrometheusRules are observability/prometheus/rules, group for group`, async () => {
      const objects = await render(overlay);
      const dir = join(REPO, 'observability', 'prometheus', 'rules');
      const files = (await readdir(dir)).filter((f) => f.endsWith('.yml')).sort();
      assert.ok(files.length > 0);
      for (const file of files) {
        const expected = (parse(await readFile(join(dir, file), 'utf8')) as { groups: unknown }).groups;
        const rule = objects.find(
          (o) =>
            o.kind === 'PrometheusRule' &&
            o.metadata.annotations?.['shop.example/source']?.endsWith(`/${file}`),
        );
        assert.ok(rule, `no PrometheusRule made from ${file}`);
        assert.deepEqual(
          (rule['spec'] as { groups: unknown }).groups,
          expected,
          `${idOf(rule)} differs from ${file}`,
        );
      }
    });
  }

  it('every app of apps/ has a base (web joins as the storefront image)', async () => {
    const apps = (await readdir(join(REPO, 'apps'), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const bases = (await readdir(join(K8S_ROOT, 'base'), { withFileTypes: true })).map((d) => d.name);
    assert.deepEqual(
      apps.filter((a) => !bases.includes(a)),
      [],
      'apps without k8s/base/<app>',
    );
  });
});
