import { Histogram, type Registry } from 'prom-client';

type Label = 'method' | 'route' | 'status_code';
type Labels = Record<Label, string | number>;

interface Series {
  labels: Labels;
  /** Observations per bucket, not cumulative; above the last bound they count only in +Inf. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

type Exported = Awaited<ReturnType<Histogram<Label>['get']>>;
type Point = Exported['values'][number];

// A point in the shape prom-client's own export gives: the series' labels as `sharedLabels` (formatted once
// per series), `le` as the point's own label. Its types know neither.
function point(
  sharedLabels: Labels,
  le: number | '+Inf' | undefined,
  value: number,
  metricName: string,
): Point {
  return { labels: le === undefined ? {} : { le }, sharedLabels, value, metricName } as unknown as Point;
}

// Not in prom-client's types, but what its Registry calls to write the exposition text.
const promClientExport = (
  Histogram.prototype as unknown as { getForPromString(this: Histogram<Label>): Promise<Exported> }
).getForPromString;

/**
 * The per-route RED histogram. prom-client's `observe` validates and hashes the labels into a new string on
 * every call (~0.4 us and garbage on the hottest path); `record` finds its series in nested maps keyed by
 * values the request already holds and counts into an array. At scrape time the series are exported in
 * prom-client's own format, and a test holds the exposition equal to a plain `Histogram`'s.
 */
export class RequestDurationHistogram extends Histogram<Label> {
  readonly #name: string;
  readonly #bounds: readonly number[];
  // route -> method -> status -> series
  readonly #series = new Map<string, Map<string, Map<number, Series>>>();

  constructor(config: { name: string; help: string; buckets: number[]; registry: Registry }) {
    super({
      name: config.name,
      help: config.help,
      labelNames: ['method', 'route', 'status_code'],
      buckets: config.buckets,
      registers: [config.registry],
    });
    this.#name = config.name;
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
  }

  /** Counts one request of `seconds` under its method, route template and status code. */
  record(method: string, route: string, statusCode: number, seconds: number): void {
    let byMethod = this.#series.get(route);
    if (!byMethod) this.#series.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (!series) {
      series = {
        labels: { method, route, status_code: statusCode },
        buckets: new Float64Array(this.#bounds.length),
        sum: 0,
        count: 0,
      };
      byStatus.set(statusCode, series);
    }
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket += 1;
    if (bucket < bounds.length) series.buckets[bucket]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  // The registry writes the exposition from this one (get() splays what it returns), so the series go here.
  async getForPromString(): Promise<Exported> {
    const exported = await promClientExport.call(this);
    const bucketName = `${this.#name}_bucket`;
    for (const byMethod of this.#series.values()) {
      for (const byStatus of byMethod.values()) {
        for (const { labels, buckets, sum, count } of byStatus.values()) {
          let cumulative = 0;
          this.#bounds.forEach((le, i) => {
            cumulative += buckets[i]!;
            exported.values.push(point(labels, le, cumulative, bucketName));
          });
          exported.values.push(
            point(labels, '+Inf', count, bucketName),
            point(labels, undefined, sum, `${this.#name}_sum`),
            point(labels, undefined, count, `${this.#name}_count`),
          );
        }
      }
    }
    return exported;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    if (#series in this) this.#series.clear();
  }
}
