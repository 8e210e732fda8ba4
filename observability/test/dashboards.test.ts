import assert from 'node:assert/strict';
import { glob, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import { exportedSampleNames, PROMETHEUS_SERIES } from '../ci/metric-names.ts';
import { OBSERVABILITY_DIR, PROMETHEUS_DIR, promtool } from '../ci/prometheus.ts';
import { metricNamesIn } from '../ci/promql.ts';
import { DASHBOARDS, DASHBOARDS_DIR, dashboardFile, type Dashboard } from '../grafana/dashboards.ts';

const PROVISIONING = join(OBSERVABILITY_DIR, 'grafana', 'provisioning');
// What Grafana substitutes before a query reaches Prometheus.
const GRAFANA_VARIABLES: Record<string, string> = { $__rate_interval: '5m', $service: 'order' };

interface Datasources {
  datasources: { uid: string; type: string; url: string; jsonData?: Record<string, unknown> }[];
}
interface RuleFile {
  groups: { rules: { record?: string; alert?: string; expr: string }[] }[];
}

const scratch = await mkdtemp(join(tmpdir(), 'shop-dashboards-'));
after(() => rm(scratch, { recursive: true, force: true }));

function promqlTargets(board: Dashboard): { panel: string; expr: string }[] {
  return board.panels.flatMap((panel) =>
    panel.datasource?.uid === 'prometheus'
      ? (panel.targets ?? []).map((target) => ({
          panel: `${board.uid}: ${String(panel['title'])}`,
          expr: target.expr,
        }))
      : [],
  );
}

const withVariables = (expr: string) =>
  Object.entries(GRAFANA_VARIABLES).reduce((text, [name, value]) => text.replaceAll(name, value), expr);

async function ruleFiles(): Promise<RuleFile[]> {
  const files: RuleFile[] = [];
  for await (const file of glob('rules/*.yml', { cwd: PROMETHEUS_DIR })) {
    files.push(YAML.parse(await readFile(join(PROMETHEUS_DIR, file), 'utf8')) as RuleFile);
  }
  return files;
}

describe('Grafana dashboards and datasources', () => {
  test('when the dashboards are generated, then the committed JSON is exactly their output (and nothing else is there)', async () => {
    const files = await Promise.all(DASHBOARDS.map(dashboardFile));
    const names = files.map((file) => basename(file.path));
    assert.deepEqual((await readdir(DASHBOARDS_DIR)).sort(), [...names].sort());
    for (const { path, text } of files) {
      assert.equal(
        await readFile(path, 'utf8'),
        text,
        `${basename(path)} is stale: run node observability/grafana/dashboards.ts`,
      );
    }
    for (const needed of ['overview', 'checkout', 'cache', 'events', 'database', 'service']) {
      assert.ok(names.includes(`${needed}.json`), `the ${needed} dashboard`);
    }
  });

  test('when every panel query is put in a rule file, then promtool parses each one', async () => {
    const targets = DASHBOARDS.flatMap(promqlTargets);
    assert.ok(targets.length > 50, `expected the dashboards' queries, found ${targets.length}`);
    const rules = {
      groups: [
        {
          name: 'dashboard-queries',
          rules: targets.map((target, index) => ({
            record: `dashboard:query_${index}`,
            expr: withVariables(target.expr),
            labels: { panel: target.panel },
          })),
        },
      ],
    };
    const file = join(scratch, 'dashboard-queries.yml');
    await writeFile(file, YAML.stringify(rules));
    const result = await promtool(['check', 'rules', file]);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, new RegExp(`SUCCESS: ${targets.length} rules found`));
  });

  test('when a bad query is put in a rule file, then promtool refuses it (the check above can fail)', async () => {
    const file = join(scratch, 'bad-query.yml');
    await writeFile(
      file,
      YAML.stringify({ groups: [{ name: 'bad', rules: [{ record: 'x:y', expr: 'sum by (service (up)' }] }] }),
    );
    const result = await promtool(['check', 'rules', file]);
    assert.notEqual(result.code, 0, result.output);
  });

  test('when the metric names of every panel and rule are listed, then each is exported by a service, recorded by a rule or added by Prometheus', async () => {
    const exported = await exportedSampleNames();
    const rules = (await ruleFiles()).flatMap((file) => file.groups.flatMap((group) => group.rules));
    const recorded = new Set(rules.flatMap((rule) => (rule.record ? [rule.record] : [])));
    const queries = [
      ...DASHBOARDS.flatMap(promqlTargets),
      ...rules.map((rule) => ({ panel: `rule ${rule.record ?? rule.alert}`, expr: rule.expr })),
    ];
    const unknown = queries.flatMap(({ panel, expr }) =>
      [...metricNamesIn(expr)]
        .filter((name) => !exported.has(name) && !recorded.has(name) && !PROMETHEUS_SERIES.has(name))
        .map((name) => `${panel}: ${name}`),
    );
    assert.deepEqual(unknown, [], 'see observability/exported-metrics.txt for what the services export');
    // The extraction itself finds names (a broken one would find none and pass everything).
    assert.deepEqual(
      [...metricNamesIn('sum by (service) (rate(cache_requests_total{result="hit"}[5m])) / on(service) up')],
      ['cache_requests_total', 'up'],
    );
  });

  test('when the panels name datasources, then each is provisioned with the compose address and logs link to traces', async () => {
    const { datasources } = YAML.parse(
      await readFile(join(PROVISIONING, 'datasources', 'datasources.yml'), 'utf8'),
    ) as Datasources;
    const byUid = new Map(datasources.map((source) => [source.uid, source]));
    assert.equal(byUid.get('prometheus')?.url, 'http://prometheus:9090');
    assert.equal(byUid.get('loki')?.url, 'http://loki:3100');
    assert.equal(byUid.get('jaeger')?.url, 'http://jaeger:16686');
    for (const board of DASHBOARDS) {
      const ids = board.panels.map((panel) => panel['id']);
      assert.equal(new Set(ids).size, ids.length, `${board.uid}: panel ids are unique`);
      for (const panel of board.panels) {
        if (panel.type === 'row') continue;
        const uid = panel.datasource?.uid ?? '(none)';
        assert.ok(byUid.has(uid), `${board.uid} ${String(panel['title'])}: datasource ${uid}`);
        assert.equal(panel.type === 'logs', uid === 'loki', `${board.uid} ${String(panel['title'])}`);
      }
    }
    assert.equal(new Set(DASHBOARDS.map((board) => board.uid)).size, DASHBOARDS.length);

    // A log line as the platform writes it (pino JSON, trace_id inside a request) links to its trace.
    const derived = (
      byUid.get('loki')!.jsonData!['derivedFields'] as { matcherRegex: string; datasourceUid: string }[]
    )[0]!;
    assert.equal(derived.datasourceUid, 'jaeger');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const line = JSON.stringify({
      level: 30,
      service: 'order',
      trace_id: traceId,
      span_id: '00f067aa0ba902b7',
      msg: 'x',
    });
    assert.equal(new RegExp(derived.matcherRegex).exec(line)?.[1], traceId);
    const tracesToLogs = byUid.get('jaeger')!.jsonData!['tracesToLogsV2'] as { datasourceUid: string };
    assert.equal(tracesToLogs.datasourceUid, 'loki');
  });

  test('when the dashboards provider is read, then it loads the folder compose mounts the dashboards in', async () => {
    const provider = YAML.parse(
      await readFile(join(PROVISIONING, 'dashboards', 'dashboards.yml'), 'utf8'),
    ) as {
      providers: { options: { path: string } }[];
    };
    assert.deepEqual(
      provider.providers.map((entry) => entry.options.path),
      ['/var/lib/grafana/dashboards'],
    );
  });
});
