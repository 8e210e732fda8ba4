import assert from 'node:assert/strict';
import { glob, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import {
  OBSERVABILITY_DIR,
  PROMETHEUS_DIR,
  promtool,
  readComposeTargets,
  readPrometheusConfig,
  writeCiPrometheusConfig,
} from '../ci/prometheus.ts';

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}
interface RuleTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

async function files(pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const file of glob(pattern, { cwd: PROMETHEUS_DIR })) found.push(join(PROMETHEUS_DIR, file));
  return found.sort();
}

const scratch = await mkdtemp(join(tmpdir(), 'shop-prometheus-ci-'));
after(() => rm(scratch, { recursive: true, force: true }));

describe('Prometheus configuration and rules (promtool)', () => {
  test('when the CI variant of prometheus.yml is checked, then promtool accepts it with every rule file and its targets', async () => {
    const config = await writeCiPrometheusConfig(scratch);
    const result = await promtool(['check', 'config', config]);
    assert.equal(result.code, 0, result.output);
    // It checks each rule file the config names, so all of them must be listed in its output.
    for (const file of await files('rules/*.yml')) {
      assert.ok(result.output.includes(join(scratch, relative(PROMETHEUS_DIR, file))), result.output);
    }
    assert.doesNotMatch(result.output, /WARNING/, result.output);
  });

  test('when the rule files are checked, then promtool accepts each one', async () => {
    const rules = await files('rules/*.yml');
    assert.ok(rules.length >= 3, `expected the rule files under ${PROMETHEUS_DIR}/rules`);
    const result = await promtool(['check', 'rules', ...rules]);
    assert.equal(result.code, 0, result.output);
  });

  test('when the rule unit tests run, then every one passes', async () => {
    const tests = await files('tests/*.test.yml');
    const result = await promtool(['test', 'rules', ...tests], 240_000);
    assert.equal(result.code, 0, result.output);
    assert.doesNotMatch(result.output, /FAILED/, result.output);
  });

  test('when the unit tests are read, then every alert has a case where it fires and one where it stays quiet', async () => {
    const alerts = new Set<string>();
    for (const file of await files('rules/*.yml')) {
      const rules = YAML.parse(await readFile(file, 'utf8')) as RuleFile;
      for (const rule of rules.groups.flatMap((group) => group.rules)) if (rule.alert) alerts.add(rule.alert);
    }
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const file of await files('tests/*.test.yml')) {
      const suite = YAML.parse(await readFile(file, 'utf8')) as RuleTestFile;
      for (const cases of suite.tests) {
        for (const check of cases.alert_rule_test ?? []) {
          ((check.exp_alerts ?? []).length > 0 ? fires : quiet).add(check.alertname);
        }
      }
    }
    const untested = [...alerts].filter((alert) => !fires.has(alert) || !quiet.has(alert));
    assert.deepEqual(
      untested,
      [],
      'each alert needs an exp_alerts case and an empty one in prometheus/tests/',
    );
    assert.ok(alerts.size >= 10, `expected the SLO and operational alerts, found ${[...alerts].join(', ')}`);
  });

  test('when the scrape config is read, then every compose target has its job and every job has a target', async () => {
    const jobs = (await readPrometheusConfig()).scrape_configs.map((job) => job.job_name).sort();
    const apps = (await readComposeTargets())
      .map((group) => group.labels?.['app'] ?? '(no app label)')
      .sort();
    assert.deepEqual(apps, jobs);
    // The operational port is the public one + 10000 unless OPS_PORT says otherwise (libs/platform).
    for (const group of await readComposeTargets()) {
      const app = group.labels!['app']!;
      const manifest = JSON.parse(
        await readFile(join(OBSERVABILITY_DIR, '..', 'apps', app, 'package.json'), 'utf8'),
      ) as { shop: { port: number } };
      assert.deepEqual(
        group.targets,
        [`${app}:${manifest.shop.port + 10_000}`],
        relative(PROMETHEUS_DIR, app),
      );
    }
  });
});
