import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from './eventually.ts';
import { findFreePorts } from './free-port.ts';
import { ensureJaegerBinary, JAEGER_VERSION } from './jaeger-binary.ts';
import { createScratchDir, sharedStart } from './lifecycle.ts';
import { launchLocalServer, ServerProcess, type LocalServer } from './server-process.ts';

export { JAEGER_VERSION, ensureJaegerBinary, jaegerBinaryPath } from './jaeger-binary.ts';

/** Where a Jaeger takes spans in and answers queries. */
export interface JaegerEndpoint {
  /** The query service's HTTP API: `/api/traces/<id>`, `/api/services`, `/api/v3/...`. */
  readonly queryUrl: string;
  /** OTLP over HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT`; the exporter appends `/v1/traces`). */
  readonly otlpHttpUrl: string;
  /** OTLP over gRPC, `http://host:port`. */
  readonly otlpGrpcUrl: string;
  /** Jaeger thrift over HTTP, `http://host:port/api/traces` (`OTEL_EXPORTER_JAEGER_ENDPOINT`). */
  readonly thriftHttpUrl: string;
}

/** A Jaeger this process started itself. */
export interface LocalJaeger extends JaegerEndpoint, LocalServer {
  /** UDP ports of the agent-style receivers (compact and binary thrift), for an exporter without endpoint. */
  readonly agent: { host: string; compactPort: number; binaryPort: number };
}

/** A span as Jaeger's query API gives it, flattened for assertions. */
export interface JaegerSpan {
  traceId: string;
  spanId: string;
  /** The CHILD_OF reference's span id, undefined for the trace's root. */
  parentSpanId: string | undefined;
  operationName: string;
  serviceName: string;
  /** `span.kind` and the other tags, by key. */
  tags: Record<string, unknown>;
  startTime: number;
}

const START_TIMEOUT_MS = 30_000;

const shared = sharedStart(resolveJaeger);

/**
 * The Jaeger for tests: `JAEGER_QUERY_URL` (with `JAEGER_OTLP_HTTP_URL`, `JAEGER_OTLP_GRPC_URL`,
 * `JAEGER_THRIFT_HTTP_URL`, defaulting to the standard ports of its host) when set, otherwise a Jaeger v2
 * all-in-one with in-memory storage on free loopback ports, once per process, stopped with stopAllServers()
 * or at exit. The binary is built from the Go module proxy on first use (see ensureJaegerBinary).
 */
export function getJaeger(): Promise<JaegerEndpoint> {
  return shared.get();
}

/** Starts a dedicated Jaeger, whatever `JAEGER_QUERY_URL` says. */
export function startJaeger(): Promise<LocalJaeger> {
  return launchJaeger(() => undefined);
}

async function resolveJaeger(): Promise<JaegerEndpoint> {
  const queryUrl = process.env['JAEGER_QUERY_URL'];
  if (queryUrl !== undefined && queryUrl !== '') {
    const host = new URL(queryUrl).hostname;
    return {
      queryUrl,
      otlpHttpUrl: process.env['JAEGER_OTLP_HTTP_URL'] || `http://${host}:4318`,
      otlpGrpcUrl: process.env['JAEGER_OTLP_GRPC_URL'] || `http://${host}:4317`,
      thriftHttpUrl: process.env['JAEGER_THRIFT_HTTP_URL'] || `http://${host}:14268/api/traces`,
    };
  }
  const jaeger = await launchJaeger(() => shared.forget());
  const { queryUrl: query, otlpHttpUrl, otlpGrpcUrl, thriftHttpUrl } = jaeger;
  return { queryUrl: query, otlpHttpUrl, otlpGrpcUrl, thriftHttpUrl };
}

async function launchJaeger(onDispose: () => void): Promise<LocalJaeger> {
  const [binary, dir, tcp, udp] = await Promise.all([
    ensureJaegerBinary(),
    createScratchDir('jaeger'),
    findFreePorts(7),
    findFreeUdpPorts(2),
  ]);
  const [health, queryHttp, queryGrpc, otlpGrpc, otlpHttp, jaegerGrpc, thriftHttp] = tcp as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [thriftCompact, thriftBinary] = udp as [number, number];
  const config = join(dir.path, 'config.yaml');
  await writeFile(
    config,
    allInOneConfig({
      health,
      queryHttp,
      queryGrpc,
      otlpGrpc,
      otlpHttp,
      jaegerGrpc,
      thriftHttp,
      thriftCompact,
      thriftBinary,
    }),
  );
  const server = new ServerProcess({
    name: `Jaeger on 127.0.0.1:${queryHttp}`,
    command: binary,
    args: [`--config=file:${config}`],
    dir,
    isReady: async () =>
      (await fetch(`http://127.0.0.1:${health}/status`, { signal: AbortSignal.timeout(1_000) })).ok,
    startTimeoutMs: START_TIMEOUT_MS,
    remedy: 'Fix the cause shown in the log, or delete the cached binary to build it again.',
  });
  const controls = await launchLocalServer(server, {
    port: queryHttp,
    dir,
    product: 'Jaeger',
    starting: `Jaeger ${JAEGER_VERSION} (query on 127.0.0.1:${queryHttp}, OTLP HTTP on ${otlpHttp})`,
    onDispose,
  });
  return {
    ...controls,
    queryUrl: `http://127.0.0.1:${queryHttp}`,
    otlpHttpUrl: `http://127.0.0.1:${otlpHttp}`,
    otlpGrpcUrl: `http://127.0.0.1:${otlpGrpc}`,
    thriftHttpUrl: `http://127.0.0.1:${thriftHttp}/api/traces`,
    agent: { host: '127.0.0.1', compactPort: thriftCompact, binaryPort: thriftBinary },
  };
}

interface JaegerPorts {
  health: number;
  queryHttp: number;
  queryGrpc: number;
  otlpGrpc: number;
  otlpHttp: number;
  jaegerGrpc: number;
  thriftHttp: number;
  thriftCompact: number;
  thriftBinary: number;
}

// No batch processor: spans are queryable as soon as they arrive. No internal metrics listener, whose fixed
// default port (8888) two Jaegers of parallel test files would fight over. No tracing of the query service
// itself: it exports to localhost:4317, and its shutdown then waits 10 s for an export that cannot happen.
function allInOneConfig(ports: JaegerPorts): string {
  const at = (port: number) => `127.0.0.1:${port}`;
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp, jaeger]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: info
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: ${at(ports.health)}
  jaeger_query:
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: ${at(ports.queryHttp)}
    grpc:
      endpoint: ${at(ports.queryGrpc)}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${at(ports.otlpGrpc)}
      http:
        endpoint: ${at(ports.otlpHttp)}
  jaeger:
    protocols:
      grpc:
        endpoint: ${at(ports.jaegerGrpc)}
      thrift_http:
        endpoint: ${at(ports.thriftHttp)}
      thrift_compact:
        endpoint: ${at(ports.thriftCompact)}
      thrift_binary:
        endpoint: ${at(ports.thriftBinary)}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** `count` distinct UDP ports on 127.0.0.1 that are unused right now (all probes open until all are known). */
async function findFreeUdpPorts(count: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createSocket>>((resolve, reject) => {
          const socket = createSocket('udp4');
          socket.once('error', reject);
          socket.bind(0, '127.0.0.1', () => resolve(socket));
        }),
    ),
  );
  const ports = sockets.map((socket) => socket.address().port);
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  return ports;
}

interface QueryTrace {
  traceID: string;
  spans: {
    traceID: string;
    spanID: string;
    operationName: string;
    references?: { refType: string; traceID: string; spanID: string }[];
    startTime: number;
    tags?: { key: string; value: unknown }[];
    processID: string;
  }[];
  processes: Record<string, { serviceName: string }>;
}

/** The spans of a trace as Jaeger has them now (none when it does not know the trace yet). */
export async function fetchJaegerTrace(queryUrl: string, traceId: string): Promise<JaegerSpan[]> {
  const response = await fetch(`${queryUrl}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5_000) });
  if (response.status === 404) return [];
  if (!response.ok) {
    throw new Error(`Jaeger's /api/traces/${traceId} answered ${response.status}: ${await response.text()}`);
  }
  const { data } = (await response.json()) as { data: QueryTrace[] | null };
  return (data ?? []).flatMap((trace) =>
    trace.spans.map((span) => ({
      traceId: span.traceID,
      spanId: span.spanID,
      parentSpanId: span.references?.find((ref) => ref.refType === 'CHILD_OF')?.spanID,
      operationName: span.operationName,
      serviceName: trace.processes[span.processID]?.serviceName ?? '',
      tags: Object.fromEntries((span.tags ?? []).map((tag) => [tag.key, tag.value])),
      startTime: span.startTime,
    })),
  );
}

/**
 * Polls Jaeger until the trace's spans satisfy `complete` (spans of several services arrive at their own
 * pace: each exporter batches), and returns them; fails with what it last saw.
 */
export async function waitForJaegerTrace(
  queryUrl: string,
  traceId: string,
  complete: (spans: JaegerSpan[]) => boolean,
  timeoutMs = 30_000,
): Promise<JaegerSpan[]> {
  let last: JaegerSpan[] = [];
  try {
    return await eventually(
      `the trace ${traceId} in Jaeger`,
      async () => {
        last = await fetchJaegerTrace(queryUrl, traceId);
        return complete(last) && last;
      },
      { timeoutMs, intervalMs: 250 },
    );
  } catch {
    const seen = last.map((span) => `${span.serviceName}: ${span.operationName}`).join('\n  ');
    throw new Error(
      `Jaeger had not the whole trace ${traceId} within ${timeoutMs / 1000}s; it had ${last.length} span(s):\n  ${seen}`,
    );
  }
}
