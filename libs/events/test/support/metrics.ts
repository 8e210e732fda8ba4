import type { Registry } from 'prom-client';

/** Sum of a metric's samples whose labels include `labels`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values
    .filter((sample) =>
      Object.entries(labels).every(([label, value]) => String(sample.labels[label]) === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}
