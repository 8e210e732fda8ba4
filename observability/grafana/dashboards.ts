import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as prettier from 'prettier';

// The Grafana dashboards as code: `node observability/grafana/dashboards.ts` writes dashboards/*.json, which
// compose mounts at /var/lib/grafana/dashboards. A test holds the JSON equal to this file's output, every
// PromQL expression valid (promtool) and every metric name one the services export.

export const DASHBOARDS_DIR = join(import.meta.dirname, 'dashboards');
const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' };
const LOKI = { type: 'loki', uid: 'loki' };
const RATE = '$__rate_interval';
const HTTP = 'http_request_duration_seconds';

interface Target {
  expr: string;
  legend?: string;
  instant?: boolean;
}

interface PanelSpec {
  title: string;
  description?: string;
  targets: Target[];
  type?: 'timeseries' | 'stat' | 'table' | 'logs';
  unit?: string;
  width?: number;
  height?: number;
  max?: number;
  stack?: boolean;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  panels: ({ type: string; targets?: { expr: string }[]; datasource?: { uid: string } } & Record<
    string,
    unknown
  >)[];
  templating: { list: Record<string, unknown>[] };
  [key: string]: unknown;
}

function dashboard(
  uid: string,
  title: string,
  description: string,
  rows: [string, PanelSpec[]][],
  variables: Record<string, unknown>[] = [],
): Dashboard {
  const panels: Dashboard['panels'] = [];
  let y = 0;
  let id = 1;
  for (const [rowTitle, specs] of rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: rowTitle,
      collapsed: false,
      gridPos: { x: 0, y: y++, w: 24, h: 1 },
      panels: [],
    });
    let x = 0;
    let rowHeight = 0;
    for (const spec of specs) {
      const w = spec.width ?? 8;
      const h = spec.height ?? 8;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(panel(id++, spec, { x, y, w, h }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid,
    title,
    description,
    tags: ['shop'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    links: [{ title: 'Shop dashboards', type: 'dashboards', tags: ['shop'], asDropdown: true }],
    annotations: { list: [] },
    templating: { list: variables },
    panels,
  };
}

function panel(id: number, spec: PanelSpec, gridPos: Record<string, number>): Dashboard['panels'][number] {
  const type = spec.type ?? 'timeseries';
  const datasource = type === 'logs' ? LOKI : PROMETHEUS;
  return {
    id,
    type,
    title: spec.title,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    datasource,
    gridPos,
    targets: spec.targets.map((target, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource,
      expr: target.expr,
      ...(target.legend === undefined ? {} : { legendFormat: target.legend }),
      ...(target.instant ? { instant: true, range: false } : {}),
    })),
    ...(type === 'logs'
      ? { options: { showTime: true, wrapLogMessage: true, enableLogDetails: true, sortOrder: 'Descending' } }
      : {
          fieldConfig: {
            defaults: {
              unit: spec.unit ?? 'short',
              ...(spec.max === undefined ? {} : { max: spec.max, min: 0 }),
              ...(type === 'timeseries'
                ? {
                    custom: {
                      fillOpacity: spec.stack ? 30 : 10,
                      stacking: { mode: spec.stack ? 'normal' : 'none' },
                    },
                  }
                : {}),
            },
            overrides: [],
          },
          options:
            type === 'timeseries'
              ? { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] } }
              : { reduceOptions: { calcs: ['lastNotNull'] } },
        }),
  };
}

const serviceVariable = {
  name: 'service',
  label: 'Service',
  type: 'query',
  datasource: PROMETHEUS,
  query: { query: `label_values(${HTTP}_count, service)`, refId: 'service' },
  definition: `label_values(${HTTP}_count, service)`,
  refresh: 2,
  sort: 1,
  current: {},
};

const checkoutRoutes = `service=~"order|payment", method="POST", route=~"/api/v1/(orders|payments)"`;
const step = (service: string, method: string, route: string) =>
  `sum(rate(${HTTP}_count{service="${service}", method="${method}", route="${route}", status_code=~"2.."}[${RATE}]))`;

export const DASHBOARDS: Dashboard[] = [
  dashboard('shop-overview', 'Shop / Overview', 'RED per service, instances and firing alerts.', [
    [
      'Requests, errors, duration (RED)',
      [
        {
          title: 'Request rate',
          unit: 'reqps',
          targets: [{ expr: 'service:http_requests:rate5m', legend: '{{service}}' }],
        },
        {
          title: 'Error ratio (5xx)',
          unit: 'percentunit',
          targets: [{ expr: 'service:http_request_errors:ratio_rate5m', legend: '{{service}}' }],
        },
        {
          title: 'Latency p99',
          unit: 's',
          targets: [{ expr: 'service:http_request_duration_seconds:p99_rate5m', legend: '{{service}}' }],
        },
        {
          title: 'Latency p50',
          unit: 's',
          targets: [{ expr: 'service:http_request_duration_seconds:p50_rate5m', legend: '{{service}}' }],
        },
        {
          title: 'Latency p90',
          unit: 's',
          targets: [{ expr: 'service:http_request_duration_seconds:p90_rate5m', legend: '{{service}}' }],
        },
        {
          title: 'Answers by status class',
          unit: 'reqps',
          stack: true,
          targets: [
            {
              expr: `sum by (service, class) (label_replace(rate(${HTTP}_count[${RATE}]), "class", "\${1}xx", "status_code", "(.).."))`,
              legend: '{{service}} {{class}}',
            },
          ],
        },
      ],
    ],
    [
      'Instances and alerts',
      [
        {
          title: 'Instances up',
          type: 'stat',
          targets: [{ expr: 'sum by (job) (up)', legend: '{{job}}', instant: true }],
        },
        {
          title: 'Instances down',
          type: 'stat',
          targets: [{ expr: 'count(up == 0) or vector(0)', instant: true }],
        },
        {
          title: 'Firing alerts',
          type: 'table',
          width: 8,
          targets: [{ expr: 'ALERTS{alertstate="firing"}', instant: true }],
        },
      ],
    ],
  ]),

  dashboard(
    'shop-checkout',
    'Shop / Checkout funnel',
    'From product views to paid orders, and the checkout SLOs (availability 99.9%, 99% within 0.5 s).',
    [
      [
        'Funnel',
        [
          {
            title: 'Funnel steps per second',
            width: 16,
            targets: [
              { expr: step('product', 'GET', '/api/v1/products/:id'), legend: 'product views' },
              { expr: step('order', 'PUT', '/api/v1/cart/items/:productId'), legend: 'cart updates' },
              { expr: step('order', 'POST', '/api/v1/orders'), legend: 'orders placed' },
              { expr: step('payment', 'POST', '/api/v1/payments'), legend: 'payments created' },
            ],
            unit: 'reqps',
          },
          {
            title: 'Orders placed per product view',
            unit: 'percentunit',
            targets: [
              {
                expr: `${step('order', 'POST', '/api/v1/orders')} / ${step('product', 'GET', '/api/v1/products/:id')}`,
                legend: 'conversion',
              },
            ],
          },
          {
            title: 'Checkout answers by status',
            unit: 'reqps',
            stack: true,
            targets: [
              {
                expr: `sum by (service, status_code) (rate(${HTTP}_count{${checkoutRoutes}}[${RATE}]))`,
                legend: '{{service}} {{status_code}}',
              },
            ],
          },
          {
            title: 'Idempotency-Key outcomes',
            unit: 'reqps',
            targets: [
              {
                expr: `sum by (service, outcome) (rate(idempotency_requests_total[${RATE}]))`,
                legend: '{{service}} {{outcome}}',
              },
            ],
          },
          {
            title: 'Order saga events handled',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (service, type, outcome) (rate(events_consumed_total[${RATE}]))`,
                legend: '{{service}} {{type}} {{outcome}}',
              },
            ],
          },
        ],
      ],
      [
        'Checkout SLOs',
        [
          {
            title: 'Availability: error ratio',
            unit: 'percentunit',
            targets: [
              { expr: 'slo:checkout_availability:error_ratio_rate5m', legend: '5m' },
              { expr: 'slo:checkout_availability:error_ratio_rate1h', legend: '1h' },
              { expr: 'slo:checkout_availability:error_ratio_rate6h', legend: '6h' },
            ],
          },
          {
            title: 'Availability: burn rate (1h)',
            description:
              'How many times faster than the 30-day budget allows; the page fires above 14.4 (and 6 over 6h).',
            type: 'stat',
            targets: [{ expr: 'slo:checkout_availability:error_ratio_rate1h / 0.001', instant: true }],
          },
          {
            title: 'Latency: share slower than 0.5 s',
            unit: 'percentunit',
            targets: [
              { expr: 'slo:checkout_latency:slow_ratio_rate5m', legend: '5m' },
              { expr: 'slo:checkout_latency:slow_ratio_rate1h', legend: '1h' },
              { expr: 'slo:checkout_latency:slow_ratio_rate6h', legend: '6h' },
            ],
          },
          {
            title: 'Latency: burn rate (1h)',
            type: 'stat',
            targets: [{ expr: 'slo:checkout_latency:slow_ratio_rate1h / 0.01', instant: true }],
          },
          {
            title: 'Checkout latency p99 by route',
            unit: 's',
            targets: [
              {
                expr: `service_route:http_request_duration_seconds:p99_rate5m{${checkoutRoutes}}`,
                legend: '{{service}} {{route}}',
              },
            ],
          },
          {
            title: 'Checkout SLO alerts',
            type: 'table',
            targets: [{ expr: 'ALERTS{slo=~"checkout-.+"}', instant: true }],
          },
        ],
      ],
    ],
  ),

  dashboard(
    'shop-cache',
    'Shop / Cache',
    'Cache-aside reads: hit ratio (target 95%), misses, loads and L1.',
    [
      [
        'Hits and misses',
        [
          {
            title: 'Hit ratio',
            unit: 'percentunit',
            max: 1,
            targets: [
              {
                expr: `sum by (service, cache) (rate(cache_requests_total{result="hit"}[${RATE}])) / sum by (service, cache) (rate(cache_requests_total[${RATE}]))`,
                legend: '{{service}} {{cache}}',
              },
            ],
          },
          {
            title: 'Reads by result',
            unit: 'ops',
            stack: true,
            targets: [
              {
                expr: `sum by (cache, result) (rate(cache_requests_total[${RATE}]))`,
                legend: '{{cache}} {{result}}',
              },
            ],
          },
          {
            title: 'Loads vs misses (stampedes absorbed)',
            description: 'Loader calls far below misses mean concurrent misses of a key shared one load.',
            unit: 'ops',
            targets: [
              { expr: `sum by (cache) (rate(cache_loads_total[${RATE}]))`, legend: '{{cache}} loads' },
              {
                expr: `sum by (cache) (rate(cache_requests_total{result="miss"}[${RATE}]))`,
                legend: '{{cache}} misses',
              },
            ],
          },
          {
            title: 'L1 share of hits',
            unit: 'percentunit',
            targets: [
              {
                expr: `sum by (cache) (rate(cache_l1_hits_total[${RATE}])) / sum by (cache) (rate(cache_requests_total{result="hit"}[${RATE}]))`,
                legend: '{{cache}}',
              },
            ],
          },
          {
            title: 'Store errors (reads fell through to PostgreSQL)',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (service, cache) (rate(cache_requests_total{result="error"}[${RATE}]))`,
                legend: '{{service}} {{cache}}',
              },
            ],
          },
          {
            title: 'Bytes held in process',
            unit: 'bytes',
            targets: [
              { expr: 'sum by (instance, cache) (cache_local_bytes)', legend: '{{instance}} {{cache}}' },
            ],
          },
        ],
      ],
    ],
  ),

  dashboard('shop-events', 'Shop / Events', 'Transactional outbox, consumers, retries and dead letters.', [
    [
      'Outbox',
      [
        {
          title: 'Oldest unpublished event',
          description: 'EventsOutboxLagging pages above 60 s for 5 minutes.',
          unit: 's',
          targets: [
            {
              expr: 'max by (service, outbox) (events_outbox_oldest_pending_age_seconds)',
              legend: '{{service}} {{outbox}}',
            },
          ],
        },
        {
          title: 'Pending rows',
          targets: [{ expr: 'sum by (service) (events_outbox_pending)', legend: '{{service}}' }],
        },
        {
          title: 'Published per second by topic',
          unit: 'ops',
          targets: [
            {
              expr: `sum by (service, topic) (rate(events_outbox_published_total[${RATE}]))`,
              legend: '{{service}} {{topic}}',
            },
          ],
        },
        {
          title: 'Relay delay p99 (write to acknowledged publish)',
          unit: 's',
          targets: [
            {
              expr: `histogram_quantile(0.99, sum by (service, le) (rate(events_outbox_relay_delay_seconds_bucket[${RATE}])))`,
              legend: '{{service}}',
            },
          ],
        },
        {
          title: 'Failed relay batches',
          unit: 'ops',
          targets: [
            {
              expr: `sum by (service, outbox) (rate(events_outbox_publish_failures_total[${RATE}]))`,
              legend: '{{service}} {{outbox}}',
            },
          ],
        },
      ],
    ],
    [
      'Consumers',
      [
        {
          title: 'Consumer lag (messages)',
          description: 'EventsConsumerLagging pages above 1000 for 10 minutes.',
          targets: [
            {
              expr: 'sum by (service, group, topic) (events_consumer_lag)',
              legend: '{{group}} {{topic}}',
            },
          ],
        },
        {
          title: 'Handled per second by outcome',
          unit: 'ops',
          targets: [
            {
              expr: `sum by (group, outcome) (rate(events_consumed_total[${RATE}]))`,
              legend: '{{group}} {{outcome}}',
            },
          ],
        },
        {
          title: 'Handler duration p99',
          unit: 's',
          targets: [
            {
              expr: `histogram_quantile(0.99, sum by (group, le) (rate(events_handler_duration_seconds_bucket[${RATE}])))`,
              legend: '{{group}}',
            },
          ],
        },
        {
          title: 'Retries',
          unit: 'ops',
          targets: [
            {
              expr: `sum by (group, type) (rate(events_handler_retries_total[${RATE}]))`,
              legend: '{{group}} {{type}}',
            },
          ],
        },
        {
          title: 'Dead-lettered (last hour)',
          description:
            'Inspect and replay with the dead-letter CLI (npm run dlq, see libs/events/README.md).',
          targets: [
            {
              expr: 'sum by (group, topic, reason) (increase(events_dead_lettered_total[1h]))',
              legend: '{{group}} {{topic}} {{reason}}',
            },
          ],
        },
      ],
    ],
  ]),

  dashboard(
    'shop-database',
    'Shop / Database pools',
    'node-postgres pools of every service (the order service: one per shard server), and the shard map.',
    [
      [
        'Pools',
        [
          {
            title: 'Busy connections / pool size',
            unit: 'percentunit',
            max: 1,
            targets: [
              {
                expr: 'sum by (service, pool) (db_pool_connections{state="busy"}) / sum by (service, pool) (db_pool_max_connections)',
                legend: '{{service}} {{pool}}',
              },
            ],
          },
          {
            title: 'Queries waiting for a connection',
            description:
              'Past the connect timeout they are answered 503; DatabasePoolSaturated fires after 5 minutes.',
            targets: [
              {
                expr: 'sum by (service, pool) (db_pool_waiting_clients)',
                legend: '{{service}} {{pool}}',
              },
            ],
          },
          {
            title: 'Connections by state',
            stack: true,
            targets: [
              {
                expr: 'sum by (service, pool, state) (db_pool_connections)',
                legend: '{{service}} {{pool}} {{state}}',
              },
            ],
          },
          {
            title: 'Pool size (all replicas)',
            type: 'stat',
            targets: [
              { expr: 'sum by (service) (db_pool_max_connections)', legend: '{{service}}', instant: true },
            ],
          },
        ],
      ],
      [
        'Shards (order)',
        [
          {
            title: 'Shard map version per instance',
            description: 'All replicas equal once a map change has reached them.',
            targets: [{ expr: 'sharding_map_version', legend: '{{instance}}' }],
          },
          {
            title: 'Writes refused while a shard moves',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (shard) (rate(sharding_frozen_writes_total[${RATE}]))`,
                legend: 'shard {{shard}}',
              },
            ],
          },
        ],
      ],
    ],
  ),

  dashboard(
    'shop-service',
    'Shop / Service',
    'One service in depth: RED by route, its runtime, its dependencies and its logs.',
    [
      [
        'RED by route',
        [
          {
            title: 'Requests by route',
            unit: 'reqps',
            targets: [
              {
                expr: 'service_route:http_requests:rate5m{service="$service"}',
                legend: '{{method}} {{route}}',
              },
            ],
          },
          {
            title: '5xx by route',
            unit: 'reqps',
            targets: [
              {
                expr: 'service_route:http_request_errors:rate5m{service="$service"} > 0',
                legend: '{{method}} {{route}}',
              },
            ],
          },
          {
            title: 'Latency p99 by route',
            unit: 's',
            targets: [
              {
                expr: 'service_route:http_request_duration_seconds:p99_rate5m{service="$service"}',
                legend: '{{method}} {{route}}',
              },
            ],
          },
          {
            title: 'Answers by status code',
            unit: 'reqps',
            stack: true,
            width: 12,
            targets: [
              {
                expr: `sum by (status_code) (rate(${HTTP}_count{service="$service"}[${RATE}]))`,
                legend: '{{status_code}}',
              },
            ],
          },
          {
            title: 'Requests per latency bucket (le)',
            unit: 'reqps',
            width: 12,
            targets: [
              {
                expr: `sum by (le) (rate(${HTTP}_bucket{service="$service"}[${RATE}]))`,
                legend: '{{le}}',
              },
            ],
          },
        ],
      ],
      [
        'Runtime',
        [
          {
            title: 'Instances up',
            type: 'stat',
            targets: [{ expr: 'sum(up{job="$service"})', instant: true }],
          },
          {
            title: 'CPU (cores)',
            targets: [
              {
                expr: `rate(process_cpu_seconds_total{service="$service"}[${RATE}])`,
                legend: '{{instance}}',
              },
            ],
          },
          {
            title: 'Resident memory',
            unit: 'bytes',
            targets: [{ expr: 'process_resident_memory_bytes{service="$service"}', legend: '{{instance}}' }],
          },
          {
            title: 'Event loop lag p99',
            unit: 's',
            targets: [
              { expr: 'nodejs_eventloop_lag_p99_seconds{service="$service"}', legend: '{{instance}}' },
            ],
          },
          {
            title: 'Heap used',
            unit: 'bytes',
            targets: [{ expr: 'nodejs_heap_size_used_bytes{service="$service"}', legend: '{{instance}}' }],
          },
          {
            title: 'Time in GC',
            unit: 'percentunit',
            targets: [
              {
                expr: `sum by (instance) (rate(nodejs_gc_duration_seconds_sum{service="$service"}[${RATE}]))`,
                legend: '{{instance}}',
              },
            ],
          },
        ],
      ],
      [
        'Dependencies',
        [
          {
            title: 'Circuit breakers open',
            targets: [
              {
                expr: 'max by (upstream) (service_client_breaker_state{service="$service", state="open"})',
                legend: '{{upstream}}',
              },
            ],
          },
          {
            title: 'Database pool: busy / size',
            unit: 'percentunit',
            max: 1,
            targets: [
              {
                expr: 'sum by (pool) (db_pool_connections{service="$service", state="busy"}) / sum by (pool) (db_pool_max_connections{service="$service"})',
                legend: '{{pool}}',
              },
            ],
          },
          {
            title: 'Consumer lag',
            targets: [
              {
                expr: 'sum by (group, topic) (events_consumer_lag{service="$service"})',
                legend: '{{group}} {{topic}}',
              },
            ],
          },
        ],
      ],
      [
        'Logs',
        [
          {
            title: 'Warnings and errors (trace_id links to Jaeger)',
            type: 'logs',
            width: 24,
            height: 10,
            targets: [{ expr: '{service="$service", level=~"warn|error|fatal"}' }],
          },
        ],
      ],
    ],
    [serviceVariable],
  ),
];

/** The file name and text of a dashboard, formatted as `npm run format` would leave it. */
export async function dashboardFile(board: Dashboard): Promise<{ path: string; text: string }> {
  const path = join(DASHBOARDS_DIR, `${board.uid.replace(/^shop-/, '')}.json`);
  const options = (await prettier.resolveConfig(path)) ?? {};
  return { path, text: await prettier.format(JSON.stringify(board), { ...options, filepath: path }) };
}

if (import.meta.main) {
  await mkdir(DASHBOARDS_DIR, { recursive: true });
  for (const board of DASHBOARDS) {
    const { path, text } = await dashboardFile(board);
    await writeFile(path, text);
    process.stderr.write(`[dashboards] wrote ${path}\n`);
  }
}
