import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OBSERVABILITY_DIR } from './prometheus.ts';

export const EXPORTED_METRICS_FILE = join(OBSERVABILITY_DIR, 'exported-metrics.txt');

/** `name type` of every metric family in a /metrics exposition (its `# TYPE` lines, samples or not). */
export function metricFamiliesInExposition(text: string): Set<string> {
  const families = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.add(`${match[1]} ${match[2]}`);
  return families;
}

/** `name type` of each family observability/exported-metrics.txt lists (the scrape test holds it true). */
export async function exportedMetricFamilies(): Promise<Set<string>> {
  const text = await readFile(EXPORTED_METRICS_FILE, 'utf8');
  const families = new Set<string>();
  for (const line of text.split('\n')) {
    const [name, type] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (name && type) families.add(`${name} ${type}`);
  }
  return families;
}

/** The sample names a query may use for the listed families (a histogram's _bucket, _sum, _count). */
export async function exportedSampleNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const family of await exportedMetricFamilies()) {
    const [name, type] = family.split(' ') as [string, string];
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** What Prometheus adds to every scrape, besides what the services export. */
export const PROMETHEUS_SERIES = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
  'ALERTS',
  'ALERTS_FOR_STATE',
]);
